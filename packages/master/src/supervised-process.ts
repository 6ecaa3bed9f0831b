import type { ChildProcess } from 'node:child_process';
import type { Worker } from 'node:cluster';
import { type BootClock, Deferred, settlesWithin } from '@brood/core';
import type { Envelope, ListenAddress, WriteResult } from '@brood/messenger';

/** The send callback: a closed channel is reported here instead of as an 'error' event; the exit handler deals with it. */
const ignore = (): void => {};

/** Where a supervised process is in its life. */
export type ProcessState = 'starting' | 'ready' | 'closing';

/**
 * The agent or one worker, as the master supervises it: one row of the
 * process table. Its `state` changes only through the table, which tells
 * the router.
 */
export class SupervisedProcess {
  readonly role: 'agent' | 'worker';
  readonly child: ChildProcess;
  /** The cluster worker, for workers. */
  readonly worker: Worker | undefined;
  readonly pid: number;
  readonly startedAt = Date.now();
  state: ProcessState = 'starting';
  address: ListenAddress | undefined;
  /** The time limit of its boot; it stops while a worker waits for the agent. */
  bootClock: BootClock | undefined;
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
  /** A worker's stable position, 1..N: its log file, kept by the worker that replaces it. 0 for the agent. */
  readonly slot: number;
  /** True when the process leads a process group of its own, killed with it (process-groups.ts). */
  readonly leadsGroup: boolean;
  /** A spare worker: booted, out of rotation until it takes the place of a worker that died. */
  spare = false;
  /** `monotonicMs()` when the process reported ready: how long it ran tells an accident from a crash loop. */
  readyAt: number | undefined;

  constructor(role: 'agent' | 'worker', child: ChildProcess, slot: number, worker?: Worker, leadsGroup = false) {
    this.role = role;
    this.child = child;
    this.slot = slot;
    this.worker = worker;
    this.leadsGroup = leadsGroup;
    if (child.pid === undefined) {
      // The spawn failed (no memory, no pids left): Node reports it as an 'error' event a moment
      // later, which must not reach the master as an unhandled one. The caller counts it as a crash.
      child.on('error', ignore);
      worker?.on('error', ignore);
      throw new Error(`${role} could not be started`);
    }
    this.pid = child.pid;
  }

  /** A name for log lines: `agent 1234`, `worker 2 (pid 1235)`. */
  get label(): string {
    return this.worker === undefined ? `${this.role} ${this.pid}` : `worker ${this.worker.id} (pid ${this.pid})`;
  }

  /** True once the process has exited. */
  get hasExited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Writes an envelope to the process; false when its channel is closed. */
  write(message: Envelope): boolean {
    return this.send(message, ignore) !== 'closed';
  }

  /**
   * Writes an envelope for the router's outbox: `written` runs once Node has
   * handed it to the kernel; `full` when Node's buffer for this channel is
   * past its high-water mark (`send()` returned false).
   */
  send(message: Envelope, written: () => void): WriteResult {
    if (!this.child.connected) return 'closed';
    return this.child.send(message, undefined, {}, () => written()) ? 'sent' : 'full';
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
  waitExit(ms: number): Promise<boolean> {
    return this.hasExited ? Promise.resolve(true) : settlesWithin(this.exited.promise, ms);
  }
}
