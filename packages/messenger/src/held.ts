/** Most messages held for a group that has no members yet, whatever their size. */
export const MAX_HELD = 100_000;

/**
 * Messages the router holds for a group that takes none yet — the workers
 * before app-ready, the agent while it restarts — bounded in number and in
 * bytes (estimated, as the outbox counts them). A message larger than the
 * bound is taken when nothing is held.
 */
export class Held<M> {
  #messages: M[] = [];
  #sizes: number[] = [];
  #bytes = 0;
  readonly #maxBytes: number;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Messages held. */
  get length(): number {
    return this.#messages.length;
  }

  /** Holds a message; false when the bound refuses it. */
  add(message: M, size: number): boolean {
    if (this.#messages.length >= MAX_HELD) return false;
    if (this.#bytes > 0 && this.#bytes + size > this.#maxBytes) return false;
    this.#messages.push(message);
    this.#sizes.push(size);
    this.#bytes += size;
    return true;
  }

  /** Hands over everything held, with each message's size, and holds nothing more. */
  take(): { messages: M[]; sizes: number[] } {
    const taken = { messages: this.#messages, sizes: this.#sizes };
    this.#messages = [];
    this.#sizes = [];
    this.#bytes = 0;
    return taken;
  }
}
