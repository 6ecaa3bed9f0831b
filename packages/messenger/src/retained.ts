import type { ActionMessage } from './protocol.js';

/** Where the retained store reports a value it could not keep. */
export interface RetainedLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** One action's last retained message, with what it costs. */
interface Entry {
  message: ActionMessage;
  bytes: number;
}

/**
 * The last value of each action sent to the workers with `{ retain: true }`
 * (`sendToApp`, `broadcast`), kept by the master's router so that a worker
 * that becomes ready later — reforked after a crash, forked by a reload —
 * receives each of them before it serves (the master writes them to it
 * ahead of `app:ready`).
 *
 * A new value of an action replaces the old one; the values are given back
 * in the order they were last set. What they take together is bounded like
 * everything else the master holds for processes (`maxPendingBytes`, in the
 * estimated JSON size every bound counts): a retained value is state (a
 * config, a list, a blocklist), pushed now and then, not a stream. A value
 * that would take the store past its bound is not kept, and the action's
 * older value is forgotten with it (it is stale): the workers ready now
 * still receive the message, and the refusal is logged once until a value
 * of that action fits again.
 */
export class Retained {
  readonly #entries = new Map<string, Entry>();
  readonly #refused = new Set<string>();
  readonly #maxBytes: number;
  readonly #log: RetainedLog;
  #bytes = 0;

  constructor(log: RetainedLog, maxBytes: number) {
    this.#log = log;
    this.#maxBytes = maxBytes;
  }

  /** Bytes the kept values take. */
  get bytes(): number {
    return this.#bytes;
  }

  /** How many actions have a value kept. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Keeps `message`, of `bytes` (its estimated size), as the last value of
   * its action. False when it is not one to keep (no `retain`, or not for
   * the workers) or does not fit.
   */
  keep(message: ActionMessage, bytes: number): boolean {
    if (message.retain !== true || (message.to !== 'app' && message.to !== 'all')) return false;
    const { action } = message;
    this.#forget(action);
    if (this.#bytes + bytes > this.#maxBytes) {
      if (!this.#refused.has(action)) {
        this.#refused.add(action);
        this.#log.warn(
          { action, bytes, retainedBytes: this.#bytes, maxBytes: this.#maxBytes },
          `retained message ${action} (${bytes} bytes) not kept: the retained values would pass maxPendingBytes (${this.#maxBytes} bytes); workers that join later will not receive it`,
        );
      }
      return false;
    }
    this.#refused.delete(action);
    this.#entries.set(action, { message, bytes });
    this.#bytes += bytes;
    return true;
  }

  /** The kept messages, in the order they were last set. */
  messages(): ActionMessage[] {
    return [...this.#entries.values()].map((entry) => entry.message);
  }

  #forget(action: string): void {
    const entry = this.#entries.get(action);
    if (entry === undefined) return;
    this.#entries.delete(action);
    this.#bytes -= entry.bytes;
  }
}
