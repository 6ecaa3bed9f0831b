import type { Messenger } from '@brood/messenger';
import type { AgentCluster } from './cluster-link.js';
import type { AgentLeader } from './leader.js';

/**
 * Answers the cross-host calls that this host's processes make through
 * their agent (`broadcast(…, { scope: 'cluster' })`, `sendToLeader`,
 * `request('leader', …)`). What stays on this host goes over IPC: this
 * instance's part of a broadcast, and whatever is for the leader when this
 * agent leads. Only the rest crosses Redis. Without cluster mode
 * (`cluster` undefined) everything stays here: this agent is the leader.
 */
export function answerClusterCalls(messenger: Messenger<unknown>, leader: AgentLeader, cluster: AgentCluster | undefined): void {
  const here = (): boolean => cluster === undefined || leader.isLeader;

  messenger.handle('cluster:broadcast', async ({ action, data }) => {
    messenger.broadcast(action, data);
    await cluster?.bus.broadcast(action, data);
    return true as const;
  });

  messenger.handle('cluster:send-leader', async ({ action, data }) => {
    if (here()) messenger.sendToAgent(action, data);
    else await cluster?.bus.send('leader', action, data);
    return true as const;
  });

  messenger.handle('cluster:request-leader', ({ action, data, timeout }) => {
    if (here() || cluster === undefined) return messenger.request('agent', action, data, { timeout });
    return cluster.bus.request('leader', action, data, { timeout });
  });
}
