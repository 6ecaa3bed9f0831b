import { broodError, ERR } from '@brood/errors';
import { monotonicMs } from './clock.js';
import type { ReplyMessage } from './protocol.js';
import { fromWireError } from './wire-error.js';

interface Waiting {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
  /** `monotonicMs()` when it was sent; 0 when nobody observes. */
  sent: number;
}

/** Learns how long each request took (ms) and whether it was answered with success: the messenger's metrics. */
export type RequestObserver = (ms: number, ok: boolean) => void;

/**
 * The requests one process is waiting on: it numbers them, matches each
 * reply to its request by `ack`, and fails a request on timeout, when its
 * target is gone, or when the process closes. The client of the agent and
 * the workers and the master's router both use it, as Node's cluster uses
 * one matcher on both sides.
 */
export class Requests {
  readonly #waiting = new Map<number, Waiting>();
  readonly #observe: RequestObserver | undefined;
  #seq = 0;

  /** With `observe`, every request's duration is reported when it settles (metrics on); without, nothing is timed. */
  constructor(observe?: RequestObserver) {
    this.#observe = observe;
  }

  /**
   * Opens a request and returns its sequence number and the promise of its
   * reply. `timeout` of `null` waits without a timer: for a call whose
   * target's death, not a clock, ends the wait (a task run lasts as long as
   * it lasts). `what` names the request in the timeout's message.
   */
  open(what: string, timeout: number | null): { seq: number; reply: Promise<unknown> } {
    const seq = ++this.#seq;
    const sent = this.#observe === undefined ? 0 : monotonicMs();
    const reply = new Promise<unknown>((resolve, reject) => {
      const timer =
        timeout === null
          ? undefined
          : setTimeout(() => {
              this.#waiting.delete(seq);
              this.#observe?.(monotonicMs() - sent, false);
              reject(broodError(ERR.REQUEST_TIMEOUT, `${what} got no reply within ${timeout} ms`));
            }, timeout);
      this.#waiting.set(seq, { resolve, reject, timer, sent });
    });
    return { seq, reply };
  }

  /** Settles the request a reply answers; a late reply (its request timed out) is dropped. */
  settle(reply: ReplyMessage): void {
    const waiting = this.#take(reply.ack, reply.ok);
    if (waiting === undefined) return;
    if (reply.ok) waiting.resolve(reply.data);
    else waiting.reject(fromWireError(reply.error ?? { code: ERR.UNKNOWN, message: 'request failed' }));
  }

  /** Fails one request with `error`. */
  fail(seq: number, error: Error): void {
    this.#take(seq, false)?.reject(error);
  }

  /** Fails every request waiting; used when the process closes. */
  failAll(error: Error): void {
    for (const seq of [...this.#waiting.keys()]) this.fail(seq, error);
  }

  /** Requests still waiting. */
  get size(): number {
    return this.#waiting.size;
  }

  #take(seq: number, ok: boolean): Waiting | undefined {
    const waiting = this.#waiting.get(seq);
    if (waiting === undefined) return undefined;
    this.#waiting.delete(seq);
    clearTimeout(waiting.timer);
    this.#observe?.(monotonicMs() - waiting.sent, ok);
    return waiting;
  }
}
