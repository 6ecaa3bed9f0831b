/**
 * Counts crashes within a sliding window and says how long to wait before
 * the next restart: at once for the first, then doubling up to a cap. Past
 * `max` crashes within `windowMs`, it says to give up.
 */
export class RestartBudget {
  readonly max: number;
  readonly windowMs: number;
  readonly #crashes: number[] = [];

  constructor(max: number, windowMs: number) {
    this.max = max;
    this.windowMs = windowMs;
  }

  /** Records a crash; returns the delay before restarting, or null to give up. */
  crashed(now = Date.now()): number | null {
    while (this.#crashes.length > 0 && (this.#crashes[0] as number) <= now - this.windowMs) this.#crashes.shift();
    this.#crashes.push(now);
    const recent = this.#crashes.length;
    if (recent > this.max) return null;
    return recent <= 1 ? 0 : Math.min(100 * 2 ** (recent - 2), 5000);
  }

  /** Crashes within the current window. */
  get recent(): number {
    return this.#crashes.length;
  }
}
