import { asError, messageOf } from '@brood/errors';
import type { Claim, Coordinator } from './coordinator.js';
import { claimTtl, type FireSchedule } from './fire-times.js';
import { type ClusterLog, silentLog } from './log.js';

/** What an instance does with one fire of a cluster task. */
export type FireDecision =
  | { run: true; claim: Claim }
  /** Another instance claimed it: not an error. */
  | { run: false; reason: 'claimed-elsewhere' }
  /** Redis could not be asked: the fire is skipped here, so it is never run twice. */
  | { run: false; reason: 'unreachable'; error: Error };

/**
 * Decides whether this instance runs the fire of `task` at `fireTime`: it
 * does only when its claim is granted. A claim that fails (Redis down or
 * stalled) skips the fire and logs it as a warning naming the task and the
 * fire time; it never falls back to running it. Never rejects.
 */
export async function claimFire(
  coordinator: Coordinator,
  fire: { task: string; schedule: FireSchedule; fireTime: number; instance: string },
  log: ClusterLog = silentLog,
): Promise<FireDecision> {
  const { task, schedule, fireTime, instance } = fire;
  const at = new Date(fireTime).toISOString();
  try {
    const claim = await coordinator.claim(task, fireTime, claimTtl(schedule, fireTime), instance);
    if (claim === null) {
      log.debug({ task, fireTime: at }, `task ${task}: the fire at ${at} is claimed by another instance`);
      return { run: false, reason: 'claimed-elsewhere' };
    }
    return { run: true, claim };
  } catch (thrown) {
    const error = asError(thrown);
    log.warn(
      { task, fireTime: at, err: error },
      `task ${task}: the fire at ${at} is skipped, it could not be claimed: ${messageOf(error)}`,
    );
    return { run: false, reason: 'unreachable', error };
  }
}
