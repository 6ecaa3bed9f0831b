import type { ChildProcess } from 'node:child_process';
import { BroodError, broodError, ERR } from '@brood/errors';
import type { ControlArgs, ControlCommand, ControlResponse, ControlResult } from '@brood/master';
import type { LauncherNotice, MockRequest } from './launcher-protocol.js';

/** The control protocol's marker and version (CONTROL_VERSION of @brood/master, not loaded here). */
const CONTROL_VERSION = 1;

type Waiting = { resolve(value: unknown): void; reject(error: Error): void };

/** Omit over each member of a union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * The test process's end of the IPC channel to a launcher: its notice
 * (started or failed) and the answers to control requests, matched by id.
 *
 * The channel and the child keep the test process alive only while
 * something waits on them: a test process that ends without stopping its
 * cluster ends all the same, and the launcher, seeing its channel close,
 * stops the cluster.
 */
export class LauncherLink {
  readonly #child: ChildProcess;
  readonly #waiting = new Map<number, Waiting>();
  #notice: Waiting | undefined;
  #id = 0;
  #holds = 0;
  /** Why nothing more can be asked: the launcher exited. */
  #gone: BroodError | undefined;
  /** Resolves when the launcher has exited. */
  readonly exited: Promise<void>;

  constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', (message: unknown) => this.#receive(message));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        const how = signal === null ? `code ${code}` : `signal ${signal}`;
        this.#gone = broodError(ERR.TARGET_GONE, `the test cluster's master exited with ${how}`);
        this.#notice?.reject(this.#gone);
        for (const waiting of this.#waiting.values()) waiting.reject(this.#gone);
        this.#waiting.clear();
        resolve();
      });
    });
    this.#release(0);
  }

  /** True while the launcher runs. */
  get alive(): boolean {
    return this.#gone === undefined;
  }

  /** Resolves with the launcher's notice: the app serves, or its start failed. */
  notice(): Promise<LauncherNotice> {
    return this.#hold(
      new Promise<LauncherNotice>((resolve, reject) => {
        this.#notice = { resolve: resolve as (value: unknown) => void, reject };
      }),
    );
  }

  /** Sends one control command and resolves with its result, or rejects with the master's error. */
  command<C extends ControlCommand>(command: C, args: ControlArgs<C>): Promise<ControlResult<C>> {
    return this.#ask((id) => JSON.stringify({ brood: CONTROL_VERSION, id, command, args })) as Promise<ControlResult<C>>;
  }

  /** Sends a mock for the workers; resolves once every ready worker has it. */
  mock(request: DistributiveOmit<MockRequest, 'id'>): Promise<unknown> {
    return this.#ask((id) => ({ ...request, id }));
  }

  /** Sends what `build` makes with a fresh id, and resolves with the answer of that id. */
  #ask(build: (id: number) => unknown): Promise<unknown> {
    if (this.#gone !== undefined) return Promise.reject(this.#gone);
    const id = ++this.#id;
    const reply = new Promise<unknown>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
    });
    // A launcher that has just died (its exit not yet seen here) makes the write fail: with a callback the
    // failure ends this request instead of surfacing as an 'error' event nobody listens to.
    this.#child.send(build(id) as object, (error) => {
      const waiting = error === null || error === undefined ? undefined : this.#waiting.get(id);
      if (waiting === undefined) return;
      this.#waiting.delete(id);
      waiting.reject(this.#gone ?? broodError(ERR.TARGET_GONE, `the test cluster's master is gone: ${(error as Error).message}`));
    });
    return this.#hold(reply);
  }

  #receive(message: unknown): void {
    if (typeof message !== 'object' || message === null) return;
    if ('type' in message) {
      this.#notice?.resolve(message);
      this.#notice = undefined;
      return;
    }
    const response = message as ControlResponse;
    const waiting = response.id === null ? undefined : this.#waiting.get(response.id);
    if (waiting === undefined) return;
    this.#waiting.delete(response.id as number);
    if (response.ok) waiting.resolve(response.result);
    else waiting.reject(new BroodError(response.error.code, response.error.message));
  }

  /** Keeps the test process alive until `work` settles. */
  #hold<T>(work: Promise<T>): Promise<T> {
    this.#holds += 1;
    this.#child.ref();
    this.#child.channel?.ref();
    return work.finally(() => this.#release(1));
  }

  #release(count: number): void {
    this.#holds -= count;
    if (this.#holds > 0) return;
    this.#child.unref();
    this.#child.channel?.unref();
  }
}
