import { BaseApplication } from '@brood/core';
import type { Scheduler } from './scheduler.js';

/**
 * The application object of the agent: one per cluster. `agent.ts`
 * receives it, registers messenger handlers on it and runs background work
 * that must exist once per machine. It owns the scheduler's clock.
 */
export class AgentApplication extends BaseApplication {
  readonly role = 'agent' as const;
  /** The clock of `app/schedule/**`. */
  scheduler: Scheduler | undefined;
}
