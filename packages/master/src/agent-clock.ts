import type { Logger } from '@brood/core';
import { messageOf } from '@brood/errors';
import type { Router } from '@brood/messenger';
import type { ProcessTable } from './process-table.js';

/** How long a stop waits for the agent to confirm that its clock has stopped. */
export const AGENT_CLOCK_STOP_MS = 2000;

/**
 * Stops the agent's clock and waits until it has: a tick the agent sent
 * before is routed while the workers still take work, and none comes
 * after, so no task goes to a closing worker. Bounded: an agent that does
 * not answer does not hold the stop up.
 */
export async function stopAgentClock(table: ProcessTable, router: Router, logger: Logger): Promise<void> {
  if (table.agent() === undefined) return;
  try {
    await router.call('agent', 'schedule:stop', null, AGENT_CLOCK_STOP_MS);
  } catch (error) {
    logger.debug({ err: error }, `the agent did not confirm its clock stopped: ${messageOf(error)}`);
  }
}
