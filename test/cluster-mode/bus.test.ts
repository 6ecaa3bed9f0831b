/** The cross-host bus: broadcast, to the leader, request/reply, and requests that never hang. */
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type BusMessage, ClusterBus, type Coordinator, Leader } from '../../packages/cluster/dist/index.js';
import { Cluster, killAll } from '../helpers/cluster.js';
import { openSpace, type Space, until } from '../helpers/cluster-mode.js';

const INSTANCE = fileURLToPath(new URL('../fixtures/cluster-mode/instance.mjs', import.meta.url));

let space: Space;
const closers: (() => Promise<void>)[] = [];
before(async () => {
  space = await openSpace();
});
afterEach(killAll);
after(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await space?.close();
});

interface Node {
  id: string;
  coordinator: Coordinator;
  bus: ClusterBus;
  leader: Leader;
  received: BusMessage[];
}

/** An instance in this process: coordinator, registry record, leader candidate, bus. */
async function node(id: string, handler?: (message: BusMessage) => unknown, options: { requestTimeout?: number } = {}): Promise<Node> {
  const coordinator = await space.coordinator();
  await space.register(coordinator, id);
  const leader = new Leader({ coordinator, id, ttl: 3000 });
  const received: BusMessage[] = [];
  const bus = new ClusterBus({
    coordinator,
    id,
    isLeader: () => leader.isLeader,
    handler: (message) => {
      received.push(message);
      return handler === undefined ? { from: id, echo: message.data } : handler(message);
    },
    ...options,
  });
  await bus.start();
  await leader.start();
  closers.push(async () => {
    await leader.stop();
    await bus.close();
  });
  return { id, coordinator, bus, leader, received };
}

test('broadcast reaches every instance once, the sender too; send and request reach the leader', async () => {
  const nodes = [await node('n1'), await node('n2'), await node('n3')];
  const [leader] = nodes.filter((n) => n.leader.isLeader);
  assert.ok(leader, 'one of them leads');
  const other = nodes.find((n) => n !== leader) as Node;

  assert.equal(await other.bus.broadcast('cache:flush', { key: 'k' }), 3);
  await until(() => nodes.every((n) => n.received.length === 1), 'the broadcast everywhere');
  for (const n of nodes)
    assert.deepEqual(n.received[0], { kind: 'broadcast', action: 'cache:flush', data: { key: 'k' }, from: other.id, toLeader: false });

  await other.bus.send('leader', 'leader:note', 7);
  await until(() => leader.received.length === 2, 'the note at the leader');
  assert.deepEqual(leader.received[1], { kind: 'send', action: 'leader:note', data: 7, from: other.id, toLeader: true });
  assert.ok(
    nodes.filter((n) => n !== leader).every((n) => n.received.length === 1),
    'only the leader got it',
  );

  const reply = await other.bus.request('leader', 'leader:ask', { q: 1 });
  assert.deepEqual(reply, { from: leader.id, echo: { q: 1 } });
  assert.deepEqual(await leader.bus.request(other.id, 'peer:ask', 'x'), { from: other.id, echo: 'x' });
});

test('a handler that throws rejects the request with its code and message', async () => {
  const a = await node('h1', () => {
    throw Object.assign(new Error('no stock for sku 42'), { code: 'E_STOCK' });
  });
  const b = await node('h2');
  await assert.rejects(b.bus.request(a.id, 'stock:check', null), { code: 'E_STOCK', message: 'no stock for sku 42' });
});

test('no leader, an unknown instance, data that is not JSON or too big: each fails at once with its code', async () => {
  const coordinator = await space.coordinator();
  await space.register(coordinator, 'lonely');
  const bus = new ClusterBus({ coordinator, id: 'lonely', leaseName: 'nobody-holds-this', handler: () => null, maxMessageBytes: 1000 });
  await bus.start();
  closers.push(() => bus.close());
  await assert.rejects(bus.request('leader', 'ask', null), {
    code: 'ERR_BROOD_NO_LEADER',
    message: 'ask to the leader: no instance leads now',
  });
  await assert.rejects(bus.send('leader', 'note', null), { code: 'ERR_BROOD_NO_LEADER' });
  await assert.rejects(bus.request('nobody-1', 'ask', null), {
    code: 'ERR_BROOD_TARGET_GONE',
    message: 'request ask to instance nobody-1 failed: instance nobody-1 is gone',
  });
  await assert.rejects(bus.send('nobody-1', 'note', null), { code: 'ERR_BROOD_TARGET_GONE' });
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  await assert.rejects(bus.broadcast('loop', circular), { code: 'ERR_BROOD_CLUSTER_BAD_MESSAGE' });
  await assert.rejects(bus.broadcast('big', 'x'.repeat(2000)), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'ERR_BROOD_CLUSTER_BAD_MESSAGE');
    assert.match(error.message, /^big is \d+ bytes of JSON, over the bus's 1000$/);
    return true;
  });
});

test('a message for the leader that reaches a former leader is refused, not handled', async () => {
  const coordinator = await space.coordinator();
  await space.register(coordinator, 'former');
  const handled: string[] = [];
  const former = new ClusterBus({ coordinator, id: 'former', isLeader: () => false, handler: (m) => handled.push(m.action) });
  await former.start();
  closers.push(() => former.close());
  // The lease still names it (the lookup happened just before it stepped down).
  assert.notEqual(await coordinator.acquireLease('stale', 'former', 5000), null);
  const asker = new ClusterBus({ coordinator, id: 'asker', leaseName: 'stale', handler: () => null });
  await asker.start();
  closers.push(() => asker.close());
  await assert.rejects(asker.request('leader', 'leader:ask', null), {
    code: 'ERR_BROOD_NO_LEADER',
    message: 'leader:ask was sent to the leader, but instance former no longer leads',
  });
  assert.deepEqual(handled, []);
});

test('a request that gets no reply times out with ERR_BROOD_REQUEST_TIMEOUT', async () => {
  const a = await node('t1', () => new Promise(() => {}));
  const b = await node('t2');
  await assert.rejects(b.bus.request(a.id, 'slow', null, { timeout: 300 }), {
    code: 'ERR_BROOD_REQUEST_TIMEOUT',
    message: 'request slow to instance t1 got no reply within 300 ms',
  });
});

test('the target of a request dies: ERR_BROOD_TARGET_GONE at once, not after the timeout', async () => {
  const asker = await node('asker-2', undefined, { requestTimeout: 60_000 });
  const target = new Cluster(process.execPath, [INSTANCE], {
    REDIS_URL: space.url,
    PREFIX: space.prefix,
    NAME: space.name,
    ID: 'doomed',
  });
  await target.waitFor((l) => l.event === 'ready', 'the target instance');
  const reply = asker.bus.request('doomed', 'hang', null);
  reply.catch(() => {});
  await target.waitFor((l) => l.event === 'message' && l.action === 'hang', 'the request at the target');
  const started = performance.now();
  target.signal('SIGKILL');
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the request still waits 10 s after its target died')), 10_000);
  });
  try {
    await assert.rejects(Promise.race([reply, limit]), {
      code: 'ERR_BROOD_TARGET_GONE',
      message: 'request hang to instance doomed failed: instance doomed is gone',
    });
  } finally {
    clearTimeout(timer);
  }
  console.log(`dead target detected after ${Math.round(performance.now() - started)} ms`);
});

test('messages that are not bus envelopes are dropped; the bus goes on', async () => {
  const warnings: string[] = [];
  const coordinator = await space.coordinator();
  await space.register(coordinator, 'robust');
  const got: string[] = [];
  const bus = new ClusterBus({
    coordinator,
    id: 'robust',
    handler: (m) => got.push(m.action),
    log: { debug() {}, info() {}, error() {}, warn: (_, message) => warnings.push(message) },
  });
  await bus.start();
  closers.push(() => bus.close());
  await coordinator.publish('bus:all', 'not json');
  await coordinator.publish('bus:all', JSON.stringify({ m: 'other', kind: 'broadcast' }));
  await coordinator.publish(
    'bus:to:robust',
    JSON.stringify({ m: 'brood-bus-1', kind: 'request', from: 'x', to: 'robust', leader: false, action: 'a' }),
  );
  await bus.broadcast('fine', null);
  await until(() => got.length === 1, 'the valid message');
  assert.deepEqual(got, ['fine']);
  assert.deepEqual(warnings, [
    'dropped a message on the cluster bus: not JSON',
    'dropped a message on the cluster bus: marker "other" is not brood-bus-1',
    'dropped a message on the cluster bus: no request id',
  ]);
});

test('the database of the URL keeps apps apart on the bus too; one the server does not have is refused', async () => {
  const [zero, one, alsoOne] = [await space.coordinator(), await space.coordinator({}, 1), await space.coordinator({}, 1)];
  const heard = { zero: [] as string[], one: [] as string[] };
  await zero.subscribe('bus:all', (message) => heard.zero.push(message));
  await one.subscribe('bus:all', (message) => heard.one.push(message));
  await alsoOne.publish('bus:all', 'in database 1');
  await zero.publish('bus:all', 'in database 0');
  await until(() => heard.one.length === 1 && heard.zero.length === 1, 'each message on its own database');
  assert.deepEqual(heard, { zero: ['in database 0'], one: ['in database 1'] });

  await assert.rejects(space.coordinator({}, 99), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'ERR_BROOD_CLUSTER_BAD_URL');
    assert.match(error.message, /^Redis at redis:\/\/\S+\/99 has no database 99: .*out of range/i);
    return true;
  });
});
