/** One log line of a {@link Tally}. */
export interface TallyLine {
  fields: Record<string, unknown>;
  message: string;
}

/** Renders the line for `count` occurrences of one kind; `first` for the line written at its first occurrence. */
export type Describe = (count: number, first: boolean) => TallyLine;

/** How often a tally writes the count of each kind that occurred meanwhile. */
export const TALLY_INTERVAL_MS = 5000;

/**
 * Kinds counted apart. A sender controls part of a kind (a malformed
 * message's type), so their number is capped: further kinds share one line.
 */
export const MAX_KINDS = 32;

/**
 * Logs what happens too often to log one line each — dropped and malformed
 * messages — as one line per kind per interval, with a count.
 *
 * The first occurrence of a kind is logged at once, with its details; the
 * occurrences after it are counted and logged as one line at the end of
 * each interval in which some came. A kind with nothing to report at the
 * end of an interval is forgotten, so its next occurrence is logged at once
 * again. 100,000 malformed messages in two seconds were 100,000 lines and
 * 60 MB of log; they are now two lines.
 */
export class Tally {
  readonly #write: (line: TallyLine) => void;
  readonly #other: (count: number) => TallyLine;
  readonly #interval: number;
  readonly #kinds = new Map<string, { count: number; describe: Describe }>();
  /** Occurrences of kinds past {@link MAX_KINDS} since the last line. */
  #others = 0;
  #timer: NodeJS.Timeout | undefined;

  /**
   * @param write writes one line
   * @param other renders the line of `count` occurrences of kinds past the cap
   */
  constructor(write: (line: TallyLine) => void, other: (count: number) => TallyLine, intervalMs = TALLY_INTERVAL_MS) {
    this.#write = write;
    this.#other = other;
    this.#interval = intervalMs;
  }

  /** Counts one occurrence of `kind`; `describe` renders its lines, and runs only when one is written. */
  add(kind: string, describe: Describe): void {
    const entry = this.#kinds.get(kind);
    if (entry !== undefined) {
      entry.count++;
    } else if (this.#kinds.size >= MAX_KINDS) {
      this.#others++;
    } else {
      this.#kinds.set(kind, { count: 0, describe });
      this.#write(describe(1, true));
    }
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.flush(), this.#interval);
      // Counting never keeps a process alive.
      this.#timer.unref();
    }
  }

  /** Writes the counts gathered since the last line now: at the end of each interval, and before an exit. */
  flush(): void {
    for (const [kind, entry] of this.#kinds) {
      if (entry.count === 0) {
        this.#kinds.delete(kind);
        continue;
      }
      this.#write(entry.describe(entry.count, false));
      entry.count = 0;
    }
    if (this.#others > 0) {
      this.#write(this.#other(this.#others));
      this.#others = 0;
    }
    if (this.#kinds.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}
