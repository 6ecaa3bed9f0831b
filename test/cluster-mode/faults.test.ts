/**
 * Faults, each on a Redis of the test's own: Redis killed and restarted,
 * Redis stalled with CLIENT PAUSE, and a leader process frozen with SIGSTOP.
 * In each, claims fail rather than run twice, leadership is given up, and
 * requests fail fast; afterwards everything resumes on its own.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ClusterBus, type Coordinator, claimFire, Leader } from '../../packages/cluster/dist/index.js';
import { Cluster, killAll } from '../helpers/cluster.js';
import { nextEvent, openSpace, type Space, until } from '../helpers/cluster-mode.js';
import { ownRedis, type RedisServer, redisClient } from '../helpers/redis.js';

const INSTANCE = fileURLToPath(new URL('../fixtures/cluster-mode/instance.mjs', import.meta.url));

let server: RedisServer;
let space: Space;
const closers: (() => Promise<void>)[] = [];
before(async () => {
  server = await ownRedis();
  space = await openSpace(server.url);
});
afterEach(killAll);
after(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await space?.close();
  await server?.stop();
});

/** Rejects when `promise` has not settled within `ms`: a call that must fail fast, not hang. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, limit]);
  } finally {
    clearTimeout(timer);
  }
}

async function instance(id: string, leaseName: string, ttl = 1500) {
  const coordinator = await space.coordinator({ commandTimeout: 300 });
  const registry = await space.register(coordinator, id, 1500);
  const leader = new Leader({ coordinator, id, name: leaseName, ttl });
  const bus = new ClusterBus({
    coordinator,
    id,
    leaseName,
    isLeader: () => leader.isLeader,
    requestTimeout: 60_000,
    handler: (message) => (message.action === 'hang' ? new Promise(() => {}) : { from: id }),
  });
  await bus.start();
  closers.push(async () => {
    await leader.stop();
    await bus.close();
  });
  return { id, coordinator, registry, leader, bus };
}

const unreachable = (error: Error & { code?: string }): boolean => {
  assert.equal(error.code, 'ERR_BROOD_CLUSTER_UNREACHABLE', error.message);
  assert.ok(error.message.includes(server.url), `names the URL: ${error.message}`);
  return true;
};

test('Redis killed and restarted: leadership given up, claims and requests fail fast; then all resumes, no fire twice', async () => {
  const x = await instance('x', 'restart');
  const y = await instance('y', 'restart');
  await x.leader.start();
  await y.leader.start();
  assert.equal(x.leader.isLeader, true);
  const before = await x.coordinator.claim('report', 1000, 60_000, 'x');
  assert.ok(before !== null);
  const pending = y.bus.request('x', 'hang', null);
  pending.catch(() => {});

  const lost = nextEvent<{ reason: string }>(x.leader, 'lost', 'the leader to step down');
  const down = nextEvent(y.coordinator as unknown as Coordinator & NodeJS.EventEmitter, 'down', 'y to see Redis go');
  await server.kill();
  assert.equal((await lost).reason, 'disconnected');
  assert.equal(x.leader.isLeader, false);
  await down;
  await assert.rejects(within(pending, 5000, 'the pending request'), unreachable);
  await assert.rejects(within(x.coordinator.claim('report', 2000, 60_000, 'x'), 5000, 'a claim'), unreachable);
  const warnings: string[] = [];
  const log = { debug() {}, info() {}, error() {}, warn: (_: unknown, message: string) => warnings.push(message) };
  const skipped = await within(
    claimFire(x.coordinator, { task: 'report', schedule: { interval: 1000 }, fireTime: 2000, instance: 'x' }, log),
    5000,
    'claimFire',
  );
  assert.equal(skipped.run === false && skipped.reason, 'unreachable');
  assert.match(warnings[0] ?? '', /^task report: the fire at 1970-01-01T00:00:02\.000Z is skipped, it could not be claimed: Redis at /);
  await assert.rejects(within(y.bus.request('x', 'ask', null), 5000, 'a request'), unreachable);
  await assert.rejects(within(y.bus.request('leader', 'ask', null), 5000, 'a request to the leader'), unreachable);
  // Nobody leads while Redis is away.
  assert.equal(x.leader.isLeader || y.leader.isLeader, false);

  const elected = Promise.race([nextEvent(x.leader, 'elected', 'x elected', 15_000), nextEvent(y.leader, 'elected', 'y elected', 15_000)]);
  await server.start();
  await elected;
  assert.equal([x, y].filter((i) => i.leader.isLeader).length, 1);
  // Redis lost everything (no persistence): the registry fills again from the heartbeats.
  await until(async () => (await x.coordinator.listInstances()).length === 2, 'both instances registered again', 10_000);
  const afterRestart = await x.coordinator.claim('report', 2000, 60_000, 'x');
  assert.ok(afterRestart !== null && afterRestart.token > before.token, 'tokens still grow after Redis lost its counter');
  assert.equal(await y.coordinator.claim('report', 2000, 60_000, 'y'), null, 'the fire is claimed once');
  assert.deepEqual(await y.bus.request('x', 'ask', null), { from: 'x' });
});

test('Redis stalled (CLIENT PAUSE): the leader steps down, a claim fails and is never granted twice; then all resumes', async () => {
  const x = await instance('px', 'pause');
  await x.leader.start();
  assert.equal(x.leader.isLeader, true);
  const lost = nextEvent<{ reason: string }>(x.leader, 'lost', 'the leader to step down during the stall');
  const admin = redisClient(server.url);
  let back: Promise<unknown> | undefined;
  try {
    await admin.call('CLIENT', 'PAUSE', '4000', 'ALL');
    const claim = within(x.coordinator.claim('stalled', 5000, 60_000, 'px'), 5000, 'a claim during the stall');
    await assert.rejects(claim, (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_BROOD_CLUSTER_UNREACHABLE');
      assert.match(error.message, /timed out/i);
      return true;
    });
    assert.equal((await lost).reason, 'renewal-failed');
    assert.equal(x.leader.isLeader, false);
    back = nextEvent(x.leader, 'elected', 'leadership back after the stall', 10_000);
    await admin.call('CLIENT', 'UNPAUSE');
  } finally {
    admin.disconnect();
  }
  // Redis ran the claim that timed out once the pause ended: whoever asks again is refused.
  await until(async () => (await x.coordinator.lastClaims()).some((c) => c.task === 'stalled'), 'the stalled claim to land');
  assert.equal(await x.coordinator.claim('stalled', 5000, 60_000, 'px'), null);
  await back;
  assert.equal(x.leader.isLeader, true);
});

test('a leader frozen by SIGSTOP is replaced; continued, it learns it lost before doing any leader work', async () => {
  const frozen = new Cluster(process.execPath, [INSTANCE], {
    REDIS_URL: server.url,
    PREFIX: space.prefix,
    NAME: space.name,
    ID: 'frozen',
    LEADER: '1',
    LEASE_TTL: '1500',
  });
  await frozen.waitFor((l) => l.event === 'elected', 'the child to lead');
  await frozen.waitFor((l) => l.event === 'work', 'leader work in the child');
  const other = await instance('other', 'leader');
  await other.leader.start();
  assert.equal(other.leader.isLeader, false);

  frozen.signal('SIGSTOP');
  await nextEvent(other.leader, 'elected', 'the other to take over', 15_000);
  // Everything the child wrote before it was stopped has been read by now (the take-over took a lease TTL).
  const mark = frozen.lines.length;
  frozen.signal('SIGCONT');
  const lost = await frozen.waitFor((l) => l.event === 'lost', 'the continued child to learn it lost', 10_000, mark);
  const index = frozen.lines.indexOf(lost);
  const workBeforeLost = frozen.lines.slice(mark, index).filter((l) => l.event === 'work');
  assert.deepEqual(workBeforeLost, [], 'no leader work between SIGCONT and lost');
  assert.ok(['renewal-failed', 'lease-taken'].includes(lost.reason as string), `reason ${lost.reason}`);
  assert.equal(other.leader.isLeader, true, 'the new leader keeps the lease');
  // And none after: the child is a candidate now.
  await nextEvent(other.leader, 'renewed', 'a renewal of the new leader');
  assert.deepEqual(
    frozen.lines.slice(index).filter((l) => l.event === 'work' || l.event === 'elected'),
    [],
  );
});
