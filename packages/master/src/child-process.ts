import type { ChildProcess } from 'node:child_process';
import type { Worker } from 'node:cluster';
import type { Envelope, ListenAddress } from '@brood/messenger';

/** The send callback: a closed channel is reported here instead of as an 'error' event; the exit handler deals with it. */
const ignore = (): void => {};

/** Where a supervised process is in its life. */
export type ProcessState = 'starting' | 'ready' | 'closing';

/** A promise with its settle functions, settled at most once. */
export class Deferred<T> {
  readonly promise: Promise<T>;
  settled = false;
  #resolve!: (value: T) => void;
  #reject!: (error: Error) => void;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // A rejection nobody awaits yet must not crash the master.
    this.promise.catch(() => {});
  }

  resolve(value: T): void {
    if (this.settled) return;
    this.settled = true;
    this.#resolve(value);
  }

  reject(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.#reject(error);
  }
}

/** The agent or one worker, as the master supervises it. */
export class SupervisedProcess {
  readonly role: 'agent' | 'worker';
  readonly child: ChildProcess;
  /** The cluster worker, for workers. */
  readonly worker: Worker | undefined;
  readonly pid: number;
  readonly startedAt = Date.now();
  state: ProcessState = 'starting';
  address: ListenAddress | undefined;
  /** Settles when the process reports ready, fails to boot, or exits first. */
  readonly ready = new Deferred<void>();
  /** Resolves when the process has exited. */
  readonly exited = new Deferred<{ code: number | null; signal: NodeJS.Signals | null }>();
  /** Set when the master asked this process to stop, so its exit is no crash. */
  stopRequested = false;
  /** False while a reload tries this process out: if it dies booting, the reload handles it, not supervision. */
  supervised = true;
  /** How many processes held this place before this one, after crashes. */
  restarts = 0;
  /** A worker's stable position, 1..N: its log file, kept by the worker that replaces it. */
  slot = 0;

  constructor(role: 'agent' | 'worker', child: ChildProcess, worker?: Worker) {
    this.role = role;
    this.child = child;
    this.worker = worker;
    if (child.pid === undefined) throw new Error(`${role} could not be started`);
    this.pid = child.pid;
  }

  /** A name for log lines: `agent 1234`, `worker 2 (pid 1235)`. */
  get label(): string {
    return this.worker === undefined ? `${this.role} ${this.pid}` : `worker ${this.worker.id} (pid ${this.pid})`;
  }

  /** True once the process has exited. Decided on exit status, never on `child.killed`. */
  get hasExited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Writes an envelope to the process; false when its channel is closed. */
  write(message: Envelope): boolean {
    if (!this.child.connected) return false;
    this.child.send(message, undefined, {}, ignore);
    return true;
  }

  /** Sends SIGKILL unless the process has already exited. */
  kill(): void {
    if (!this.hasExited) {
      try {
        this.child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /** Resolves true when the process exits within `ms`, false otherwise. */
  async waitExit(ms: number): Promise<boolean> {
    if (this.hasExited) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    const result = await Promise.race([this.exited.promise.then(() => true as const), timeout]);
    clearTimeout(timer);
    return result;
  }
}
