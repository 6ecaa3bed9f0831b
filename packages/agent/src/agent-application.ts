import { type ApplicationInit, BaseApplication } from '@brood/core';
import type { AgentCluster } from './cluster-link.js';
import { AgentLeader } from './leader.js';
import type { Scheduler } from './scheduler.js';

/**
 * The application object of the agent: one per instance. `agent.ts`
 * receives it, registers messenger handlers on it and runs background work
 * that must exist once per machine, or, through {@link leader}, once per
 * application. It owns the scheduler's clock.
 */
export class AgentApplication extends BaseApplication {
  readonly role = 'agent' as const;
  /** Whether this agent leads the application, with `elected` / `lost` (docs/cluster-mode.md). */
  readonly leader: AgentLeader;
  /** The clock of `app/schedule/**`. */
  scheduler: Scheduler | undefined;
  /** @internal Cluster mode's connection, lease and bus; undefined without cluster mode. */
  cluster: AgentCluster | undefined;

  constructor(init: ApplicationInit) {
    super(init);
    this.leader = new AgentLeader(init.logger);
  }

  /** sdk-base's close step, after `beforeClose`: the app's hooks could still send across hosts until then. */
  async _close(): Promise<void> {
    await this.cluster?.close();
  }
}
