import { Tally } from './tally.js';
import { kindOf, preview } from './validate.js';

/** Where drops are logged. */
export interface DropLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** What was dropped: a message, a request (refused: its sender was answered with an error), or a reply. */
export type DropKind = 'message' | 'request' | 'reply';

/** Bytes in kB, MB or GB, for log lines and error messages: `64.0 MB`. */
export function bytesText(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}

/**
 * Counts what a process drops — messages it cannot deliver, refuses past
 * its bound, receives malformed, or loses with a peer that exited — and logs
 * them without flooding the log: one line per kind per interval with a
 * count (see {@link Tally}). The router of the master and the messenger of
 * each child keep one each.
 */
export class Drops {
  #total = 0;
  readonly #log: DropLog;
  readonly #tally: Tally;

  constructor(log: DropLog, intervalMs?: number) {
    this.#log = log;
    this.#tally = new Tally(
      ({ fields, message }) => log.warn(fields, message),
      (count) => ({ fields: { count }, message: `dropped ${count} more messages for other reasons, counted together` }),
      intervalMs,
    );
  }

  /** Every message dropped since this process started. */
  get total(): number {
    return this.#total;
  }

  /**
   * A value received on a channel that is no Brood envelope — or, `unexpected`,
   * an envelope that may not come from there. `who` names the sender in the
   * line (`worker 4243`, `the master`); `from`, when given, is the sender's
   * `{ role, pid }` for the line's fields.
   */
  malformed(who: string, reason: string, raw: unknown, from?: unknown, adjective: 'malformed' | 'unexpected' = 'malformed'): void {
    this.#total++;
    const sender = from ?? who;
    const kind = kindOf(reason);
    this.#tally.add(`${adjective}:${who}:${kind}`, (count, first) =>
      first
        ? { fields: { from: sender, reason, message: preview(raw) }, message: `${adjective} message from ${who} dropped: ${reason}` }
        : { fields: { from: sender, reason: kind, count }, message: `dropped ${count} ${adjective} messages from ${who}: ${kind}` },
    );
  }

  /**
   * A message that did not go where it was sent, for `reason`. `where` says
   * where it stopped when the reason is about that place (`for agent 4242`,
   * `on the way to the master`): the count is then per place, else per reason.
   */
  undelivered(kind: DropKind, what: string, reason: string, where?: string): void {
    this.#total++;
    const at = where === undefined ? '' : ` ${where}`;
    // A refused request was answered with an error; a message or a reply is gone.
    const [done, plural] = kind === 'request' ? ['refused', 'requests'] : ['dropped', kind === 'reply' ? 'replies' : 'messages'];
    // Without a place, the reason is the kind, its numbers aside: `no process with pid N`.
    const kindReason = where === undefined ? reason.replace(/\d+/g, 'N') : reason;
    this.#tally.add(`${kind}:${where ?? kindReason}`, (count, first) =>
      first
        ? { fields: { action: what, reason }, message: `${kind} ${what}${at} ${done}: ${reason}` }
        : { fields: { reason: kindReason, count }, message: `${done} ${count} ${plural}${at}: ${kindReason}` },
    );
  }

  /** `count` messages lost at once with a peer that exited; `text` says so in one line. */
  lost(count: number, fields: Record<string, unknown>, text: string): void {
    this.#total += count;
    this.#log.warn({ ...fields, lost: count }, text);
  }

  /** Writes the counts gathered since their last line: before the process exits. */
  flush(): void {
    this.#tally.flush();
  }
}
