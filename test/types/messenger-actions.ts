/**
 * Compiled by `tsc` in test/types.test.ts: every line marked
 * `@ts-expect-error` must be an error, and everything else must compile.
 * Removing the typing of actions makes the marked lines compile, and then
 * the unused `@ts-expect-error` markers fail the check.
 */
import { type Agent, type Application, defineAgent, defineRouter, defineTask } from 'brood';

declare module 'brood' {
  interface Actions {
    'user:refresh': { data: { id: number } };
    'stats:get': { data: { since: number }; reply: { hits: number } };
  }
}

export const agentFile = defineAgent((agent: Agent) => {
  agent.messenger.sendToApp('user:refresh', { id: 1 });
  agent.messenger.broadcast('user:refresh', { id: 2 });
  agent.messenger.sendToApp('user:refresh', { id: 5 }, { retain: true });
  agent.messenger.broadcast('user:refresh', { id: 6 }, { retain: true });
  agent.messenger.sendRandom('user:refresh', { id: 3 });
  agent.messenger.sendTo(1234, 'user:refresh', { id: 4 });
  agent.messenger.on('stats:get', (data) => ({ hits: data.since + 1 }));

  // @ts-expect-error a misspelt action
  agent.messenger.sendToApp('user:refesh', { id: 1 });
  // @ts-expect-error a wrong payload
  agent.messenger.sendToApp('user:refresh', { id: '1' });
  // @ts-expect-error a missing payload field
  agent.messenger.broadcast('user:refresh', {});
  // @ts-expect-error retain is for app and all only
  agent.messenger.sendRandom('user:refresh', { id: 3 }, { retain: true });
  // @ts-expect-error retain is a boolean
  agent.messenger.sendToApp('user:refresh', { id: 1 }, { retain: 'yes' });
  // @ts-expect-error a handler that answers with the wrong reply
  agent.messenger.on('stats:get', () => ({ hits: 'many' }));
  // @ts-expect-error a handler that reads a field the payload does not have
  agent.messenger.on('user:refresh', (data) => data.name);

  // Cluster mode: the leader, and messages that cross hosts, typed the same way.
  agent.leader.on('elected', ({ term }) => agent.logger.info({ term }, 'leading'));
  agent.leader.on('lost', ({ reason }) => agent.logger.info({ reason }, 'not leading'));
  const leads: boolean = agent.leader.isLeader;
  agent.messenger.broadcast('user:refresh', { id: 5 }, { scope: 'cluster' });
  agent.messenger.sendToLeader('user:refresh', { id: Number(leads) });
  // @ts-expect-error a scope Brood does not know
  agent.messenger.broadcast('user:refresh', { id: 6 }, { scope: 'world' });
  // @ts-expect-error sendToLeader with a wrong payload
  agent.messenger.sendToLeader('user:refresh', { id: 'x' });
  // @ts-expect-error leader events carry no pid
  agent.leader.on('elected', ({ pid }) => pid);
});

export const clusterTask = defineTask({
  schedule: { interval: '1m', type: 'agent', scope: 'cluster' },
  async task(ctx) {
    const token: number | undefined = ctx.claim?.token;
    ctx.logger.info({ token, instance: ctx.claim?.instance }, 'report');
  },
});

export const clusterWorkerTask = defineTask({
  schedule: { cron: '0 * * * * *', scope: 'cluster' },
  async task(ctx) {
    const fireTime: number | null | undefined = ctx.claim?.fireTime;
    ctx.body = fireTime;
  },
});

// @ts-expect-error a scope Brood does not know
export const badScope = defineTask({ schedule: { interval: '1m', scope: 'everywhere' }, async task() {} });

export const routes = defineRouter((router, app: Application) => {
  router.get('/stats', async (ctx) => {
    const reply = await app.messenger.request('agent', 'stats:get', { since: 0 });
    const hits: number = reply.hits;
    ctx.body = { hits };
    // @ts-expect-error the reply has no field `misses`
    ctx.body = reply.misses;
    // @ts-expect-error request with a wrong payload
    await app.messenger.request('agent', 'stats:get', { since: 'yesterday' });
    // @ts-expect-error sendToAgent with an unknown action
    app.messenger.sendToAgent('stats:gett', { since: 0 });
    const leader = await app.messenger.request('leader', 'stats:get', { since: 0 }, { timeout: 1000 });
    ctx.body = leader.hits;
    // @ts-expect-error request('leader') with a wrong payload
    await app.messenger.request('leader', 'stats:get', { since: null });
  });
});
