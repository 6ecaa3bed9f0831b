import { type BroodError, broodError, ERR, messageOf } from '@brood/errors';
import { bytesText, type DropKind, type DropLog, Drops } from './drops.js';
import { Outbox, type Pushed, type Write } from './outbox.js';
import { type ActionMessage, type CallMessage, envelope, type ReplyMessage } from './protocol.js';

/**
 * What an agent or a worker sends to the master: its outbox, bounded by
 * `maxPendingBytes`, and what it does with what the bound refuses — a
 * message is dropped and counted, a request fails at once with
 * `ERR_BROOD_TARGET_BUSY`, a reply gives way to a small failure. A child
 * whose master is slow to read therefore holds at most the bound.
 */
export class Uplink {
  readonly drops: Drops;
  readonly #outbox: Outbox;

  /**
   * `failRequest` ends the request of a seq at once: used when its data
   * cannot be serialised, which Node finds only as the message is written.
   */
  constructor(write: Write, log: DropLog, maxPendingBytes: number | undefined, failRequest: (seq: number, error: BroodError) => void) {
    this.drops = new Drops(log);
    this.#outbox = new Outbox(write, maxPendingBytes, (message, error) => {
      // Never an uncaught exception in the flush: the one message is refused, the request it was fails, the rest goes on.
      const reason = `its data cannot be serialised: ${messageOf(error)}`;
      if (message.type === 'reply') {
        const wire = { code: ERR.UNSENDABLE_DATA, message: `the reply ${reason}` };
        this.#outbox.force(
          envelope<ReplyMessage>({ type: 'reply', ack: message.ack, from: message.from, to: message.to, ok: false, error: wire }),
        );
        return;
      }
      if (message.type !== 'action' && message.type !== 'call') return;
      const what = message.type === 'action' ? message.action : message.method;
      if (message.seq === undefined) this.drops.undelivered('message', what, reason);
      else failRequest(message.seq, broodError(ERR.UNSENDABLE_DATA, `request ${what} not sent: ${reason}`));
    });
  }

  /** A fire-and-forget message: dropped and counted when the bound refuses it. */
  send(message: ActionMessage): void {
    const pushed = this.#outbox.push(message);
    if (pushed !== 'queued') this.#refused('message', message.action, pushed);
  }

  /** A request or a call; returns the error it must fail with at once when the bound refuses it. `what` names it. */
  ask(message: ActionMessage | CallMessage, what: string): BroodError | undefined {
    const pushed = this.#outbox.push(message);
    if (pushed === 'queued') return undefined;
    const reason = this.#refused('request', message.type === 'action' ? message.action : message.method, pushed);
    return broodError(pushed === 'busy' ? ERR.TARGET_BUSY : ERR.MESSENGER_CLOSED, `${what} refused: ${reason}`);
  }

  /** A reply to a request of `what`; one that does not fit is replaced by a small failure, so the request still ends. */
  reply(reply: ReplyMessage, what: string): void {
    const pushed = this.#outbox.push(reply);
    if (pushed !== 'busy') return;
    const error = { code: ERR.TARGET_BUSY, message: `the reply to ${what} was dropped: ${this.#refused('reply', what, pushed)}` };
    this.#outbox.force(envelope<ReplyMessage>({ type: 'reply', ack: reply.ack, from: reply.from, to: reply.to, ok: false, error }));
  }

  /** Writes everything queued now, whatever the channel's buffer holds: before an exit. */
  drain(): void {
    this.#outbox.drain();
  }

  /** Counts and logs a message the outbox refused; returns why, in words. */
  #refused(kind: DropKind, what: string, pushed: Exclude<Pushed, 'queued'>): string {
    if (pushed === 'closed') {
      const reason = 'the channel to the master is closed';
      this.drops.undelivered(kind, what, reason);
      return reason;
    }
    const { pendingBytes, maxPendingBytes } = this.#outbox;
    const reason = `${bytesText(pendingBytes)} already wait to be written to the master (maxPendingBytes ${bytesText(maxPendingBytes)})`;
    this.drops.undelivered(kind, what, reason, 'on the way to the master');
    return reason;
  }
}
