/** Claims of fires: one claimant per fire, fencing tokens that only grow, on a real Redis. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { claimFire } from '../../packages/cluster/dist/index.js';
import { openSpace, type Space } from '../helpers/cluster-mode.js';
import { redisClient } from '../helpers/redis.js';

let space: Space;
before(async () => {
  space = await openSpace();
});
after(() => space?.close());

test('of many instances claiming one fire at once, exactly one gets it, with a token greater than the last', async () => {
  const instances = await Promise.all(['a', 'b', 'c'].map(() => space.coordinator()));
  let lastToken = 0;
  for (let fire = 1; fire <= 30; fire++) {
    const fireTime = fire * 1000;
    const results = await Promise.all(instances.map((coordinator, i) => coordinator.claim('report', fireTime, 60_000, `i${i}`)));
    const winners = results.filter((claim) => claim !== null);
    assert.equal(winners.length, 1, `fire ${fire}: one winner, got ${JSON.stringify(results)}`);
    const [winner] = winners;
    assert.equal(winner?.fireTime, fireTime);
    assert.ok((winner?.token as number) > lastToken, `tokens grow: ${winner?.token} after ${lastToken}`);
    lastToken = winner?.token as number;
    // Claiming the same fire again, even by its winner, gets nothing.
    assert.equal(await instances[0]?.claim('report', fireTime, 60_000, 'i0'), null);
  }
});

test('a fire not later than the last one claimed is refused (a lagging clock cannot run it again)', async () => {
  const coordinator = await space.coordinator();
  assert.notEqual(await coordinator.claim('late', 10_000, 60_000, 'ahead'), null);
  assert.equal(await coordinator.claim('late', 9_000, 60_000, 'behind'), null);
  // Even once the claim key of 10 000 has expired, the watermark holds.
  assert.notEqual(await coordinator.claim('late', 11_000, 1, 'ahead'), null);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(await coordinator.claim('late', 11_000, 60_000, 'behind'), null);
  // Tasks do not share a watermark.
  assert.notEqual(await coordinator.claim('other', 5_000, 60_000, 'behind'), null);
});

test('a manual run always gets a new, greater token; the last claim records it', async () => {
  const coordinator = await space.coordinator();
  const fire = await coordinator.claim('cleanup', 1_000, 60_000, 'a');
  const run = await coordinator.claimRun('cleanup', 'b');
  assert.ok(run.token > (fire?.token as number));
  assert.equal(run.fireTime, null);
  const last = (await coordinator.lastClaims()).find((c) => c.task === 'cleanup');
  assert.deepEqual({ ...last, at: 0 }, { task: 'cleanup', fireTime: null, token: run.token, instance: 'b', at: 0 });
  assert.ok(Math.abs((last?.at as number) - Date.now()) < 60_000, 'at is the server clock in ms');
});

test('tokens keep growing when Redis lost the counter (a restart without persistence)', async () => {
  const coordinator = await space.coordinator();
  let token = 0;
  for (let fire = 1; fire <= 50; fire++) token = (await coordinator.claim('counted', fire, 60_000, 'a'))?.token as number;
  const client = redisClient(space.url);
  try {
    await client.del(`${space.prefix}{${space.name}}:fence:counted`, `${space.prefix}{${space.name}}:fired`);
  } finally {
    client.disconnect();
  }
  const after = await coordinator.claim('counted', 51, 60_000, 'a');
  assert.ok((after?.token as number) > token, `${after?.token} > ${token}`);
});

test('claimFire: run with the claim, or not because another instance has it', async () => {
  const coordinator = await space.coordinator();
  const fire = { task: 'decide', schedule: { interval: 1000 }, fireTime: 7000 };
  const first = await claimFire(coordinator, { ...fire, instance: 'a' });
  assert.equal(first.run, true);
  assert.equal(first.run && first.claim.instance, 'a');
  assert.deepEqual(await claimFire(coordinator, { ...fire, instance: 'b' }), { run: false, reason: 'claimed-elsewhere' });
});
