/** How the master restarts what crashes (docs/cluster.md, "Restarts"), from the options of the same names. */
export interface RestartRules {
  /** ms a process must have run after it was ready for its exit to count as an accident, not a crash loop. */
  minUptime: number;
  /** Crash-loop exits in a row of one slot that are restarted; the next one makes the master give up. */
  maxRestarts: number;
  /** ms before the first restart of a crash loop; the wait doubles with each exit in a row. */
  restartDelay: number;
  /** The longest wait. */
  maxRestartDelay: number;
}

/** After an exit: restart after `wait` ms, or give up. `loop` counts the crash-loop exits in a row, this one included. */
export type RestartDecision = { giveUp: false; wait: number; loop: number } | { giveUp: true; wait: null; loop: number };

/**
 * Tells an accident from a crash loop, per slot (the agent, each worker
 * position), as PM2's `min_uptime`, `max_restarts` and
 * `exp_backoff_restart_delay` do:
 * - a process that ran at least `minUptime` after it was ready is replaced
 *   at once, however often that happens, and its slot starts afresh;
 * - one that died before it was ready, or sooner after, is in a crash loop:
 *   restarted after `restartDelay`, doubling up to `maxRestartDelay`; past
 *   `maxRestarts` such exits in a row, the master gives up.
 * A slot's crashes never count against another's.
 */
export class RestartPolicy {
  readonly rules: RestartRules;
  readonly #loops = new Map<string, number>();

  constructor(rules: RestartRules) {
    this.rules = rules;
  }

  /**
   * Records the exit of the process of `slot`, ready at `readyAt` (undefined
   * when it never was, or a fork failed), at `now` (same clock).
   */
  exited(slot: string, readyAt: number | undefined, now: number): RestartDecision {
    const { minUptime, maxRestarts, restartDelay, maxRestartDelay } = this.rules;
    if (readyAt !== undefined && now - readyAt >= minUptime) {
      this.#loops.delete(slot);
      return { giveUp: false, wait: 0, loop: 0 };
    }
    const loop = (this.#loops.get(slot) ?? 0) + 1;
    this.#loops.set(slot, loop);
    if (loop > maxRestarts) return { giveUp: true, wait: null, loop };
    return { giveUp: false, wait: Math.min(restartDelay * 2 ** (loop - 1), maxRestartDelay), loop };
  }

  /** Crash-loop exits in a row of `slot`, 0 once a process of it ran `minUptime`. */
  loops(slot: string): number {
    return this.#loops.get(slot) ?? 0;
  }
}
