/** The instance registry and the coordinator's connection, on a real Redis. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InstanceRegistry, openCoordinator, parseClusterSettings, readClusterStatus } from '../../packages/cluster/dist/index.js';
import { instanceRecord, openSpace, type Space, until } from '../helpers/cluster-mode.js';
import { redisClient } from '../helpers/redis.js';

let space: Space;
before(async () => {
  space = await openSpace();
});
after(() => space?.close());

test('registered instances are listed with their record; a graceful stop removes one at once', async () => {
  const coordinator = await space.coordinator();
  const a = new InstanceRegistry({ coordinator, instance: instanceRecord('a', { title: 'shop-a', workers: 4 }), ttl: 2000 });
  const b = new InstanceRegistry({ coordinator, instance: instanceRecord('b'), ttl: 2000 });
  await a.start();
  await b.start();
  const listed = await a.list();
  assert.deepEqual(
    listed.map((r) => r.id),
    ['a', 'b'],
  );
  const first = listed[0];
  assert.equal(first?.title, 'shop-a');
  assert.equal(first?.workers, 4);
  assert.equal(first?.pid, process.pid);
  assert.ok(first?.seenAt !== undefined && Date.parse(first.seenAt) > 0);
  a.update({ workers: 6 });
  await until(async () => (await a.list()).find((r) => r.id === 'a')?.workers === 6, 'the new worker count');
  await b.stop();
  assert.deepEqual(
    (await a.list()).map((r) => r.id),
    ['a'],
  );
  await a.stop();
  assert.deepEqual(await coordinator.listInstances(), []);
});

test('an instance that stops beating is gone within its TTL, and never listed longer', async () => {
  const coordinator = await space.coordinator();
  const ttl = 1500;
  const live = new InstanceRegistry({ coordinator, instance: instanceRecord('live'), ttl });
  const dead = new InstanceRegistry({ coordinator, instance: instanceRecord('dead'), ttl });
  await live.start();
  await dead.start();
  // The record's expiry in Redis is what bounds its life: never more than the TTL ahead.
  const client = redisClient(space.url);
  try {
    const pttl = await client.pttl(`${space.prefix}{${space.name}}:instance:dead`);
    assert.ok(pttl > 0 && pttl <= ttl, `record expires within the TTL (pttl ${pttl})`);
  } finally {
    client.disconnect();
  }
  // Dies without deregistering: no more heartbeats.
  await dead.stop({ deregister: false });
  await until(async () => !(await coordinator.hasInstance('dead')), 'the dead instance to expire', 4 * ttl);
  const ids = (await coordinator.listInstances()).map((r) => r.id);
  assert.deepEqual(ids, ['live'], 'the live one keeps beating past several TTLs');
  await live.stop();
});

test('readClusterStatus tells instances, the leader and the last claims', async () => {
  const coordinator = await space.coordinator();
  const registry = await space.register(coordinator, 'i1');
  assert.notEqual(await coordinator.acquireLease('leader', 'i1', 5000), null);
  const claim = await coordinator.claim('report', 1_000_000, 60_000, 'i1');
  const status = await readClusterStatus(coordinator, space.name);
  assert.equal(status.leader, 'i1');
  assert.deepEqual(
    status.instances.map((i) => [i.id, i.leader]),
    [['i1', true]],
  );
  assert.equal(status.tasks.length, 1);
  assert.equal(status.tasks[0]?.task, 'report');
  assert.equal(status.tasks[0]?.instance, 'i1');
  assert.equal(status.tasks[0]?.token, claim?.token);
  assert.equal(status.tasks[0]?.fireTime, 1_000_000);
  await registry.stop();
  await coordinator.releaseLease('leader', 'i1');
});

test('Redis unreachable at start: required refuses in one line naming the URL; required: false starts without', async () => {
  // A port nothing listens on: the test's own Redis port + nothing guarantees that, so bind-free 1 on loopback.
  const url = 'redis://:hunter2@127.0.0.1:1/0';
  const settings = parseClusterSettings(url, { env: {}, packageName: 'shop' });
  assert.ok(settings);
  await assert.rejects(openCoordinator(settings, { connectTimeout: 2000 }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'ERR_BROOD_CLUSTER_UNREACHABLE');
    assert.match(error.message, /^Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1\/0 is unreachable: .*ECONNREFUSED/);
    assert.ok(!error.message.includes('hunter2') && !error.message.includes('\n'));
    return true;
  });
  const warnings: string[] = [];
  const log = { debug() {}, info() {}, error() {}, warn: (_: unknown, message: string) => warnings.push(message) };
  const optional = parseClusterSettings({ url, required: false }, { env: {}, packageName: 'shop' });
  assert.ok(optional);
  assert.equal(await openCoordinator(optional, { connectTimeout: 2000, log }), undefined);
  assert.match(warnings.join('\n'), /cluster features are off: Redis at .* is unreachable/);
});

test('a wrong password is refused at connect, naming the cause', async () => {
  // Only an own Redis can be given a password here.
  if (process.env.BROOD_TEST_REDIS_URL) return;
  const client = redisClient(space.url);
  const user = `u${process.pid}`;
  try {
    await client.call('ACL', 'SETUSER', user, 'on', '>right', '~*', '&*', '+@all');
    const url = space.url.replace('redis://', `redis://${user}:wrong@`);
    const settings = parseClusterSettings(url, { env: {}, packageName: 'shop' });
    assert.ok(settings);
    await assert.rejects(openCoordinator(settings, { connectTimeout: 2000 }), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_BROOD_CLUSTER_UNREACHABLE');
      assert.match(error.message, /WRONGPASS|invalid username-password/);
      return true;
    });
    const right = parseClusterSettings(url.replace(':wrong@', ':right@'), { env: {}, packageName: 'shop' });
    assert.ok(right);
    const coordinator = await openCoordinator(right);
    assert.ok(coordinator?.connected);
    await coordinator?.close();
  } finally {
    await client.call('ACL', 'DELUSER', user).catch(() => {});
    client.disconnect();
  }
});

test('calls after close fail with ERR_BROOD_CLUSTER_CLOSED', async () => {
  const coordinator = await space.coordinator();
  await coordinator.close();
  await assert.rejects(coordinator.listInstances(), { code: 'ERR_BROOD_CLUSTER_CLOSED' });
  await assert.rejects(coordinator.connect(), { code: 'ERR_BROOD_CLUSTER_CLOSED' });
});
