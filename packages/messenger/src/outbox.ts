import { type BatchMessage, type Envelope, envelope } from './protocol.js';
import { envelopeSize } from './size.js';

/**
 * What a write did: the message is on its way (`sent`); it is on its way but
 * the channel's buffer is past its high-water mark, so write no more until
 * the writes in flight complete (`full`: Node's `send()` returned false); or
 * the peer can no longer be written to (`closed`).
 */
export type WriteResult = 'sent' | 'full' | 'closed';

/**
 * Writes one envelope to a peer. `written` runs once the write has left this
 * process — Node's send callback: the bytes are in the kernel's socket
 * buffer — and never before `Write` returns.
 */
export type Write = (message: Envelope, written: () => void) => WriteResult;

/** Told of a message Node could not serialise (a cycle, a BigInt): it was not written, and the rest went on. */
export type Unsendable = (message: Envelope, error: unknown) => void;

/** What became of a message given to the outbox: queued, refused past the bound (`busy`), or refused because the peer is gone. */
export type Pushed = 'queued' | 'busy' | 'closed';

/**
 * Most envelopes per IPC write. One write costs a serialisation and a syscall
 * whatever its size, so a burst is carried in few writes; the cap keeps a
 * single write small enough not to stall the receiving event loop for long.
 * Measured on a 2-core machine: 10,000 broadcasts went from 46k/s one per
 * write to well over 200k/s batched (the burst figure of bench/run.mjs).
 */
export const MAX_BATCH = 512;

/**
 * Most bytes (estimated) per IPC write, one larger message aside. A write is
 * serialised whole into one string, copied into one buffer and parsed whole
 * on the other side: 200 messages of 1 MB sent in one tick were one 200 MB
 * write, and the master grew by 0.9 GB carrying it.
 */
export const MAX_BATCH_BYTES = 1 << 20;

/** Default of the `maxPendingBytes` option: what one process may hold for one peer. */
export const DEFAULT_MAX_PENDING_BYTES = 64 * 1024 * 1024;

/** Queued messages the head may run ahead of before the array is compacted. */
const COMPACT_AFTER = 1024;

/** Messages the peer's process would have handed to the application: actions, calls and replies. */
const isRouted = (message: Envelope): boolean => message.type === 'action' || message.type === 'call' || message.type === 'reply';

/**
 * What one process sends to one peer, in order, in as few writes as it can,
 * with a bound on what it holds.
 *
 * What one tick sends leaves at the end of the tick, as one envelope when
 * alone or as a `batch` when several, so a lone message costs no latency:
 * the flush runs as a microtask, before the event loop goes back to I/O.
 *
 * Backpressure: when the channel's buffer is past its high-water mark
 * (`send()` returned false: the peer reads slower than we write), no more
 * is written until every write in flight has completed; meanwhile messages
 * wait here. Pending bytes — waiting here plus written but not completed,
 * as estimated by {@link envelopeSize} — are bounded by `maxPendingBytes`:
 * past it {@link push} refuses (`busy`), and the caller decides what a
 * refusal means. A single message larger than the bound is taken when
 * nothing else is pending, so the bound limits what piles up, not the
 * size of a message.
 */
export class Outbox {
  /** Messages in order; those before the head are written and cleared, so that nothing keeps their payloads alive. */
  #queue: Array<Envelope | undefined> = [];
  #sizes: number[] = [];
  /** Index of the first message not yet written. */
  #head = 0;
  #queuedBytes = 0;
  #inFlightBytes = 0;
  #inFlightWrites = 0;
  /** Actions, calls and replies in writes not yet completed. */
  #inFlightRouted = 0;
  #scheduled = false;
  /** The channel said its buffer is full: write nothing until the writes in flight complete. */
  #full = false;
  #closed = false;
  readonly #write: Write;
  readonly #maxPendingBytes: number;
  readonly #unsendable: Unsendable;
  /** After a batch Node could not serialise, its messages go one a write, up to this index, to find the culprit. */
  #singlyUntil = 0;

  constructor(write: Write, maxPendingBytes = DEFAULT_MAX_PENDING_BYTES, unsendable: Unsendable = () => {}) {
    this.#write = write;
    this.#maxPendingBytes = maxPendingBytes;
    this.#unsendable = unsendable;
  }

  /** Bytes (estimated) queued here or written and not yet completed. */
  get pendingBytes(): number {
    return this.#queuedBytes + this.#inFlightBytes;
  }

  /** The bound on {@link pendingBytes}. */
  get maxPendingBytes(): number {
    return this.#maxPendingBytes;
  }

  /** True once a write found the peer gone, or {@link discard} ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Queues an envelope for the end of this tick, unless the bound refuses it or the peer is gone. */
  push(message: Envelope, size = envelopeSize(message)): Pushed {
    if (this.#closed) return 'closed';
    const pending = this.pendingBytes;
    if (pending > 0 && pending + size > this.#maxPendingBytes) return 'busy';
    this.#enqueue(message, size);
    return 'queued';
  }

  /** Queues an envelope whatever the bound: the master's control envelopes, and the small failure replies that refusals send. */
  force(message: Envelope, size = envelopeSize(message)): Pushed {
    if (this.#closed) return 'closed';
    this.#enqueue(message, size);
    return 'queued';
  }

  /** Writes what the channel takes now; the rest waits until the writes in flight complete. */
  flush(): void {
    this.#scheduled = false;
    this.#writeQueued(false);
  }

  /** Writes everything queued, whatever the channel's buffer holds: before an exit, so nothing is left behind. */
  drain(): void {
    this.#scheduled = false;
    this.#writeQueued(true);
  }

  /**
   * Forgets everything, for a peer that exited. Returns the messages never
   * written and the number of actions, calls and replies in writes that had
   * not completed: both are lost.
   */
  discard(): { unwritten: Envelope[]; inFlight: number } {
    const unwritten = this.#queue.slice(this.#head) as Envelope[];
    const inFlight = this.#inFlightRouted;
    this.#closed = true;
    this.#queue = [];
    this.#sizes = [];
    this.#head = 0;
    this.#queuedBytes = 0;
    this.#inFlightBytes = 0;
    this.#inFlightWrites = 0;
    this.#inFlightRouted = 0;
    return { unwritten, inFlight };
  }

  #enqueue(message: Envelope, size: number): void {
    this.#queue.push(message);
    this.#sizes.push(size);
    this.#queuedBytes += size;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => this.flush());
  }

  #writeQueued(evenIfFull: boolean): void {
    const queue = this.#queue;
    const sizes = this.#sizes;
    while (this.#head < queue.length && !this.#closed && (evenIfFull || !this.#full)) {
      const start = this.#head;
      let end = start + 1;
      let bytes = sizes[start] as number;
      while (
        end < queue.length &&
        end > this.#singlyUntil &&
        end - start < MAX_BATCH &&
        bytes + (sizes[end] as number) <= MAX_BATCH_BYTES
      ) {
        bytes += sizes[end] as number;
        end++;
      }
      const message: Envelope =
        end - start === 1
          ? (queue[start] as Envelope)
          : envelope<BatchMessage>({ type: 'batch', messages: queue.slice(start, end) as Envelope[] });
      let routed = 0;
      for (let i = start; i < end; i++) if (isRouted(queue[i] as Envelope)) routed++;
      this.#head = end;
      this.#queuedBytes -= bytes;
      let result: WriteResult;
      try {
        result = this.#write(message, () => this.#completed(bytes, routed));
      } catch (error) {
        // Node could not serialise the write (a cycle, a BigInt in some payload): nothing of it left.
        if (end - start > 1) {
          // A batch: its messages go again one a write, so that only the culprit is refused.
          this.#head = start;
          this.#queuedBytes += bytes;
          this.#singlyUntil = end;
          continue;
        }
        queue[start] = undefined;
        this.#unsendable(message, error);
        continue;
      }
      if (result === 'closed') {
        // Nothing was written: the chunk stays with the rest, for discard() to report.
        this.#head = start;
        this.#queuedBytes += bytes;
        this.#closed = true;
        break;
      }
      // Node holds the serialised bytes now: the objects are no longer needed here.
      queue.fill(undefined, start, end);
      this.#inFlightBytes += bytes;
      this.#inFlightWrites++;
      this.#inFlightRouted += routed;
      if (result === 'full') this.#full = true;
    }
    this.#compact();
  }

  #completed(bytes: number, routed: number): void {
    if (this.#closed) return;
    this.#inFlightBytes -= bytes;
    this.#inFlightWrites--;
    this.#inFlightRouted -= routed;
    if (this.#full && this.#inFlightWrites === 0) {
      // Node's buffer for this channel is empty: what waits here may go.
      this.#full = false;
      if (this.#head < this.#queue.length) this.#schedule();
    }
  }

  #compact(): void {
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#sizes = [];
      this.#head = 0;
      this.#singlyUntil = 0;
    } else if (this.#head > COMPACT_AFTER && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#sizes = this.#sizes.slice(this.#head);
      this.#singlyUntil = Math.max(0, this.#singlyUntil - this.#head);
      this.#head = 0;
    }
  }
}

/** Calls `visit` for each envelope, unpacking a batch (one level: validation refuses a batch in a batch). */
export function unpack(message: Envelope, visit: (message: Envelope) => void): void {
  if (message.type === 'batch') {
    for (const inner of message.messages) visit(inner);
  } else {
    visit(message);
  }
}
