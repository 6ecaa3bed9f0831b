/**
 * The one place Brood bounds a wait. A timer here never outlives the race it
 * bounds, and never keeps a process alive on its own.
 */
import { monotonicMs } from '@brood/messenger';

/** Resolves after `ms`, without keeping the process alive. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });
}

/**
 * Settles as `work` does, or rejects with `onTimeout()` when `ms` pass
 * first. `ms` of `undefined` puts no bound on `work`.
 */
export function withTimeout<T>(work: Promise<T>, ms: number | undefined, onTimeout: () => Error): Promise<T> {
  if (ms === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

/** Resolves true when `work` settles (either way) within `ms`, false otherwise; never rejects. */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  const settled = work.then(
    () => true,
    () => true,
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A boot's time limit that can stop counting and start again: a worker's
 * start timeout leaves out the time it waits for the agent, and the
 * master's own limit for a child counts from the moment the child says it
 * has loaded (docs/cluster.md). Calls `onTimeout` once `ms` of counted time
 * have passed, unless cleared first. It keeps the process alive, as a
 * boot that hangs in process must be timed out, unless {@link BootClock.unref}.
 */
export class BootClock {
  readonly #ms: number;
  readonly #onTimeout: () => void;
  #left: number;
  #since = 0;
  #timer: NodeJS.Timeout | undefined;
  #cleared = false;
  #keepsAlive = true;

  constructor(ms: number, onTimeout: () => void) {
    this.#ms = ms;
    this.#onTimeout = onTimeout;
    this.#left = ms;
    this.resume();
  }

  /** Stops counting; the time left is kept. */
  pause(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#left -= monotonicMs() - this.#since;
  }

  /** Counts again from where it paused. */
  resume(): void {
    if (this.#timer !== undefined || this.#cleared) return;
    this.#since = monotonicMs();
    this.#timer = setTimeout(
      () => {
        this.#cleared = true;
        this.#timer = undefined;
        this.#onTimeout();
      },
      Math.max(0, this.#left),
    );
    if (!this.#keepsAlive) this.#timer.unref();
  }

  /** From now on the clock does not keep the process alive on its own: what it times must. */
  unref(): this {
    this.#keepsAlive = false;
    this.#timer?.unref();
    return this;
  }

  /** Counts the whole time again, from now. */
  restart(): void {
    this.pause();
    this.#left = this.#ms;
    this.resume();
  }

  /** Stops for good. */
  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#cleared = true;
  }
}
