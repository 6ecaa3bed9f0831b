import { Cron } from 'croner';

/** When a task fires: every `interval` ms, or on a cron expression (with seconds) in a time zone. */
export interface FireSchedule {
  interval?: number;
  cron?: string;
  timezone?: string;
}

/**
 * The first fire time strictly after `after` (ms since the epoch), the same
 * on every instance whatever its start time: an interval task fires on the
 * multiples of its interval since the epoch (a 5 s task at :00, :05, :10…),
 * a cron task when its expression says. `undefined` when a cron expression
 * has no later run.
 */
export function nextFireTime(schedule: FireSchedule, after: number): number | undefined {
  if (schedule.interval !== undefined) {
    const interval = schedule.interval;
    if (!(interval > 0) || !Number.isFinite(interval)) throw new RangeError(`interval must be a positive number of ms, got ${interval}`);
    return (Math.floor(after / interval) + 1) * interval;
  }
  if (schedule.cron !== undefined) {
    const cron = new Cron(
      schedule.cron,
      schedule.timezone === undefined ? { paused: true } : { paused: true, timezone: schedule.timezone },
    );
    try {
      return cron.nextRun(new Date(after))?.getTime() ?? undefined;
    } finally {
      cron.stop();
    }
  }
  throw new RangeError('a fire schedule needs an interval or a cron expression');
}

/** Claims are kept at least a minute, and two periods of the task, so that a late instance still finds them. */
const MIN_CLAIM_TTL_MS = 60_000;
/** …and at most a day: older fires are refused by the per-task watermark anyway. */
const MAX_CLAIM_TTL_MS = 86_400_000;

/** How long the claim of `fireTime` should live: two periods of the task, within [1 min, 1 day]. */
export function claimTtl(schedule: FireSchedule, fireTime: number): number {
  const next = nextFireTime(schedule, fireTime);
  const period = next === undefined ? MAX_CLAIM_TTL_MS : next - fireTime;
  return Math.min(MAX_CLAIM_TTL_MS, Math.max(MIN_CLAIM_TTL_MS, 2 * period));
}

/** The longest delay Node's timers take (about 24.8 days); a longer wait is chained. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * A timer that calls `onFire(fireTime)` at each fire time of a schedule,
 * by the wall clock, so that instances of one app fire together. A fire
 * missed while the process was stopped or the clock jumped forward is not
 * replayed: the clock goes on with the next one after now. A timer that
 * wakes early (the wall clock was set back) waits again for the same fire.
 */
export class FireClock {
  readonly #schedule: FireSchedule;
  readonly #onFire: (fireTime: number) => void;
  #timer: NodeJS.Timeout | undefined;
  #next: number | undefined;

  constructor(schedule: FireSchedule, onFire: (fireTime: number) => void) {
    this.#schedule = schedule;
    this.#onFire = onFire;
  }

  /** The fire time the clock waits for; `undefined` when stopped or when a cron has no later run. */
  get next(): number | undefined {
    return this.#next;
  }

  /** Starts waiting for the first fire time after now. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#arm(nextFireTime(this.#schedule, Date.now()));
  }

  /** Stops the clock: no fire after this. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#next = undefined;
  }

  #arm(fireTime: number | undefined): void {
    this.#next = fireTime;
    if (fireTime === undefined) {
      this.#timer = undefined;
      return;
    }
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, fireTime - Date.now()));
    this.#timer = setTimeout(() => this.#wake(fireTime), wait);
  }

  #wake(fireTime: number): void {
    const now = Date.now();
    if (now < fireTime) {
      this.#arm(fireTime);
      return;
    }
    this.#arm(nextFireTime(this.#schedule, Math.max(fireTime, now)));
    this.#onFire(fireTime);
  }
}
