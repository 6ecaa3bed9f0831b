#!/usr/bin/env node
/**
 * What cluster mode costs, on a redis-server of its own (from PATH, free
 * port, no persistence) on this machine:
 * - a claim per fire: three instances claim each fire at once, latency of
 *   each claim (p50/p99);
 * - a cross-host request/reply between two instances (p50/p99);
 * - a broadcast until the last of three instances has it (p50/p99);
 * - failover with the default lease (10 s): graceful handover, and the
 *   replacement of a leader that died right after it renewed (the worst case).
 *
 *   npx -y pnpm@12.4.2 run build && node bench/cluster.bench.mjs     (QUICK=1: fewer rounds)
 */
import { once } from 'node:events';
import { ClusterBus, InstanceRegistry, Leader, parseRedisUrl, RedisCoordinator } from '../packages/cluster/dist/index.js';
import { quantile, startRedis } from './lib.mjs';

const QUICK = process.env.QUICK === '1';
const ROUNDS = QUICK ? 300 : 2000;
const log = (text) => process.stdout.write(`${text}\n`);

const redis = await startRedis();
const { url } = redis;
const settings = { where: url, endpoint: parseRedisUrl(url, 'bench'), prefix: 'brood-bench:', name: 'bench' };
const opened = [];
async function coordinator() {
  const made = new RedisCoordinator({ settings });
  await made.connect();
  opened.push(made);
  return made;
}
const ms = (values) => `p50 ${quantile(values, 0.5).toFixed(3)} ms, p99 ${quantile(values, 0.99).toFixed(3)} ms`;

// Claims: three instances, each fire at once.
const claimers = await Promise.all([0, 1, 2].map(() => coordinator()));
const claimLatency = [];
for (let fire = 1; fire <= ROUNDS; fire++) {
  await Promise.all(
    claimers.map(async (c, i) => {
      const start = performance.now();
      await c.claim('bench', fire, 60_000, `i${i}`);
      claimLatency.push(performance.now() - start);
    }),
  );
}
log(`claim of one fire, 3 instances at once: ${ms(claimLatency)}`);

// Buses of three instances.
const buses = [];
for (const id of ['a', 'b', 'c']) {
  const c = await coordinator();
  const registry = new InstanceRegistry({
    coordinator: c,
    instance: { id, host: 'bench', pid: process.pid, title: id, url: '', workers: 0, version: '0', startedAt: new Date().toISOString() },
  });
  await registry.start();
  let onBroadcast = () => {};
  const bus = new ClusterBus({
    coordinator: c,
    id,
    handler: (message) => {
      if (message.kind === 'broadcast') onBroadcast();
      return message.data;
    },
  });
  await bus.start();
  buses.push({ bus, registry, setOnBroadcast: (f) => (onBroadcast = f) });
}
const [a] = buses;
const rtt = [];
for (let i = 0; i < ROUNDS; i++) {
  const start = performance.now();
  await a.bus.request('b', 'ping', i);
  rtt.push(performance.now() - start);
}
log(`cross-host request/reply: ${ms(rtt)}`);
const spread = [];
for (let i = 0; i < ROUNDS; i++) {
  let left = buses.length;
  const done = new Promise((resolve) => {
    for (const b of buses)
      b.setOnBroadcast(() => {
        if (--left === 0) resolve();
      });
  });
  const start = performance.now();
  await a.bus.broadcast('ping', i);
  await done;
  spread.push(performance.now() - start);
}
log(`cross-host broadcast until the last of 3 has it: ${ms(spread)}`);
for (const b of buses) {
  await b.bus.close();
  await b.registry.stop();
}

// Failover with the default lease: 10 s, renewed every 3.3 s.
const handovers = [];
for (let i = 0; i < (QUICK ? 2 : 5); i++) {
  const name = `handover-${i}`;
  const first = new Leader({ coordinator: await coordinator(), id: 'first', name });
  const second = new Leader({ coordinator: await coordinator(), id: 'second', name });
  await first.start();
  await second.start();
  const elected = once(second, 'elected');
  const start = performance.now();
  await first.stop();
  await elected;
  handovers.push(performance.now() - start);
  await second.stop();
}
log(`graceful handover (stop → the other elected): ${ms(handovers)}`);
const ghostCoordinator = await coordinator();
await ghostCoordinator.acquireLease('dead', 'ghost', 10_000);
const died = performance.now();
// Started a renewal interval late: the candidate's tries are then as far off the expiry as they can be.
await new Promise((resolve) => setTimeout(resolve, 10));
const heir = new Leader({ coordinator: await coordinator(), id: 'heir', name: 'dead' });
const heirElected = once(heir, 'elected');
await heir.start();
await heirElected;
log(
  `a leader that died right after renewing: replaced after ${((performance.now() - died) / 1000).toFixed(2)} s (bound: lease 10 s + one try interval 3.33 s)`,
);
await heir.stop();

for (const c of opened) await c.close();
redis.stop();
