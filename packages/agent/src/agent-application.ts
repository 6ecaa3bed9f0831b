import { BaseApplication } from '@brood/core';

/**
 * The application object of the agent: one per cluster. `agent.ts`
 * receives it, registers messenger handlers on it and runs background work
 * that must exist once per machine.
 */
export class AgentApplication extends BaseApplication {
  readonly role = 'agent' as const;
}
