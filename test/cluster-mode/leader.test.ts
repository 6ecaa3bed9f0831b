/** The leader lease and the Leader on top of it, on a real Redis. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Leader, type LeaderOptions } from '../../packages/cluster/dist/index.js';
import { nextEvent, openSpace, type Space, until } from '../helpers/cluster-mode.js';

let space: Space;
const leaders: Leader[] = [];
before(async () => {
  space = await openSpace();
});
after(async () => {
  await Promise.all(leaders.map((leader) => leader.stop()));
  await space?.close();
});

async function leader(id: string, options: Partial<LeaderOptions> = {}): Promise<Leader> {
  const made = new Leader({ coordinator: await space.coordinator(), id, name: options.name ?? 'leader', ttl: 1500, ...options });
  leaders.push(made);
  return made;
}

test('the lease: set if free, compare-and-extend, compare-and-delete, terms that grow', async () => {
  const coordinator = await space.coordinator();
  const first = await coordinator.acquireLease('lease-a', 'a', 5000);
  assert.ok(first !== null);
  assert.equal(await coordinator.acquireLease('lease-a', 'b', 5000), null, 'held by a');
  assert.equal(await coordinator.renewLease('lease-a', 'b', 5000), false, 'b cannot extend a lease it does not hold');
  assert.equal(await coordinator.releaseLease('lease-a', 'b'), false, 'b cannot release it');
  assert.equal(await coordinator.leaseHolder('lease-a'), 'a');
  assert.equal(await coordinator.renewLease('lease-a', 'a', 5000), true);
  const notices: string[] = [];
  const unsubscribe = await coordinator.subscribe('lease:lease-a:released', (owner) => notices.push(owner));
  assert.equal(await coordinator.releaseLease('lease-a', 'a'), true);
  await until(() => notices.length === 1, 'the released notice');
  assert.deepEqual(notices, ['a']);
  await unsubscribe();
  assert.equal(await coordinator.leaseHolder('lease-a'), null);
  const second = await coordinator.acquireLease('lease-a', 'b', 5000);
  assert.ok(second !== null && second > first, `term ${second} > ${first}`);
});

test('of two candidates one leads and keeps leading through renewals; the other never leads meanwhile', async () => {
  const a = await leader('a', { name: 'two' });
  const b = await leader('b', { name: 'two' });
  const elected: string[] = [];
  a.on('elected', () => elected.push('a'));
  b.on('elected', () => elected.push('b'));
  await a.start();
  await b.start();
  assert.deepEqual(elected, ['a']);
  assert.equal(a.isLeader, true);
  assert.equal(b.isLeader, false);
  assert.ok(a.term !== null && b.term === null);
  // Three renewals span more than a whole TTL.
  for (let i = 0; i < 3; i++) await nextEvent(a, 'renewed', `renewal ${i + 1}`);
  assert.deepEqual(elected, ['a']);
  assert.equal(await b.holder(), 'a');
  await a.stop();
  await b.stop();
});

test('a leader that stops gracefully hands over through the released notice, not the next poll', async () => {
  // Candidates poll once a minute here: only the notice can explain a handover within the wait.
  const options = { name: 'handover', ttl: 180_000, renewInterval: 60_000 };
  const a = await leader('a', options);
  const b = await leader('b', options);
  await a.start();
  await b.start();
  assert.equal(a.isLeader, true);
  const lost = nextEvent<{ reason: string }>(a, 'lost', 'a to step down');
  const elected = nextEvent<{ term: number }>(b, 'elected', 'b to be elected after the handover', 5000);
  const termA = a.term as number;
  const started = performance.now();
  await a.stop();
  assert.equal((await lost).reason, 'stopped');
  const { term } = await elected;
  console.log(`graceful handover: ${Math.round(performance.now() - started)} ms`);
  assert.ok(term > termA);
  assert.equal(b.isLeader, true);
  await b.stop();
});

test('a leader that dies without releasing is replaced once its lease expires', async () => {
  const coordinator = await space.coordinator();
  // A leader whose host died: it holds the lease and never renews.
  assert.notEqual(await coordinator.acquireLease('dead', 'ghost', 1500), null);
  const b = await leader('b', { name: 'dead', ttl: 1500 });
  await b.start();
  assert.equal(b.isLeader, false, 'not while the dead one still holds the lease');
  const started = performance.now();
  // Bound: the lease TTL plus one try interval (500 ms), with room for a loaded machine.
  await nextEvent(b, 'elected', 'b to take over from the dead leader', 10_000);
  console.log(`dead leader replaced after ${Math.round(performance.now() - started)} ms (ttl 1500, renew 500)`);
  assert.equal(await b.holder(), 'b');
  await b.stop();
});

test('at most one leader at any moment while candidates come and go', async () => {
  const candidates = await Promise.all(['a', 'b', 'c'].map((id) => leader(id, { name: 'churn', ttl: 1000 })));
  for (const candidate of candidates) await candidate.start();
  let elections = 0;
  for (const candidate of candidates) candidate.on('elected', () => elections++);
  let overlaps = 0;
  const sampler = setInterval(() => {
    if (candidates.filter((c) => c.isLeader).length > 1) overlaps++;
  }, 5);
  try {
    for (let round = 0; round < 4; round++) {
      const current = candidates.find((c) => c.isLeader);
      assert.ok(current, `round ${round}: someone leads`);
      await current.stop();
      await until(() => candidates.some((c) => c.isLeader), `round ${round}: a new leader`);
      await current.start();
    }
  } finally {
    clearInterval(sampler);
  }
  assert.equal(overlaps, 0);
  assert.ok(elections >= 4);
});
