/**
 * The master's routing table in one process, with plain functions as
 * channels: fast checks of the rules the cluster tests exercise across
 * real processes (test/messenger.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envelope } from '@brood/messenger';
import { action, PIDS, setup } from './fake-cluster.js';

const { AGENT, W1, W2 } = PIDS;

test('messages for workers are held until app-ready, then delivered', async () => {
  const { router, table, tick, actions } = setup();
  table.markReady(AGENT);
  router.receive(AGENT, action(AGENT, 'agent', 'app', 'early'));
  await tick();
  assert.deepEqual(actions(W1), []);
  table.markReady(W1);
  table.markReady(W2);
  table.markAppReady();
  await tick();
  assert.deepEqual(actions(W1), ['early']);
  assert.deepEqual(actions(W2), ['early']);
});

test('targets: agent, app, all, random and pid', async () => {
  const { router, table, tick, actions } = setup();
  for (const pid of [AGENT, W1, W2]) table.markReady(pid);
  table.markAppReady();
  router.receive(W1, action(W1, 'worker', 'agent', 'a'));
  router.receive(W1, action(W1, 'worker', 'app', 'b'));
  router.receive(W1, action(W1, 'worker', 'all', 'c'));
  router.receive(W1, action(W1, 'worker', W2, 'd'));
  for (let i = 0; i < 20; i++) router.receive(W1, action(W1, 'worker', 'random', 'r'));
  await tick();
  assert.deepEqual(actions(AGENT), ['a', 'c']);
  assert.deepEqual(
    actions(W1).filter((a) => a !== 'r'),
    ['b', 'c'],
  );
  assert.deepEqual(
    actions(W2).filter((a) => a !== 'r'),
    ['b', 'c', 'd'],
  );
  assert.equal(actions(W1).filter((a) => a === 'r').length + actions(W2).filter((a) => a === 'r').length, 20);
});

test('random, app and all never reach a worker that is not ready, nor one that is closing', async () => {
  const { router, table, tick, actions } = setup();
  // W2 is booting (a refork): it joins no group until it is ready.
  table.markReady(AGENT);
  table.markReady(W1);
  table.markAppReady();
  for (let i = 0; i < 50; i++) router.receive(AGENT, action(AGENT, 'agent', 'random', 'r'));
  router.receive(AGENT, action(AGENT, 'agent', 'app', 'app'));
  router.receive(AGENT, action(AGENT, 'agent', 'all', 'all'));
  await tick();
  assert.equal(actions(W1).filter((a) => a === 'r').length, 50);
  assert.deepEqual(actions(W2), [], 'the booting worker got nothing');

  // W2 is ready, then W1 starts closing (a reload replaces it).
  table.markReady(W2);
  table.markClosing(W1);
  for (let i = 0; i < 50; i++) router.receive(AGENT, action(AGENT, 'agent', 'random', 'r2'));
  router.receive(AGENT, action(AGENT, 'agent', 'app', 'app2'));
  await tick();
  assert.deepEqual(
    actions(W1).filter((a) => a === 'r2' || a === 'app2'),
    [],
    'the closing worker got nothing',
  );
  assert.equal(actions(W2).filter((a) => a === 'r2').length, 50);
});

test('a request whose target exits fails with ERR_BROOD_TARGET_GONE; one to no pid fails with ERR_BROOD_NO_TARGET', async () => {
  const { router, table, tick, inbox } = setup();
  for (const pid of [AGENT, W1, W2]) table.markReady(pid);
  table.markAppReady();
  router.receive(W1, action(W1, 'worker', AGENT, 'slow', 7));
  router.receive(W1, action(W1, 'worker', 999, 'nobody', 8));
  await tick();
  table.markClosing(AGENT);
  router.close(AGENT);
  await tick();
  const replies = (inbox.get(W1) ?? []).filter((m) => m.type === 'reply') as Array<{ ack: number; error?: { code: string } }>;
  assert.deepEqual(replies.map((r) => [r.ack, r.error?.code]).sort(), [
    [7, 'ERR_BROOD_TARGET_GONE'],
    [8, 'ERR_BROOD_NO_TARGET'],
  ]);
});

test('a malformed message is dropped with one warning naming the sender; the claimed sender is not trusted', async () => {
  const { router, table, tick, warnings, actions } = setup();
  for (const pid of [AGENT, W1, W2]) table.markReady(pid);
  table.markAppReady();
  router.receive(W2, { hello: 1 });
  router.receive(W2, { brood: 1, type: 'action', to: 'agent' });
  router.receive(W2, { brood: 2, type: 'action' });
  assert.equal(warnings.length, 3);
  assert.match(warnings[0] as string, /malformed message from worker 202 dropped: no brood marker/);
  assert.match(warnings[2] as string, /protocol version 2, expected 1/);
  router.receive(W2, action(W1, 'worker', 'agent', 'spoofed'));
  await tick();
  assert.deepEqual(actions(AGENT), ['spoofed']);
});

test('a call from the master reaches the agent, is answered, and fails fast when the agent exits', async () => {
  const { router, table, tick, inbox } = setup();
  table.markReady(AGENT);
  table.markAppReady();
  const answered = router.call('agent', 'task:list', null, 1000);
  await tick();
  const call = (inbox.get(AGENT) ?? []).find((m) => m.type === 'call') as { seq: number } | undefined;
  assert.ok(call !== undefined, 'the agent got the call');
  router.receive(
    AGENT,
    envelope({ type: 'reply', ack: call.seq, from: { role: 'agent', pid: AGENT }, to: process.pid, ok: true, data: [] }),
  );
  assert.deepEqual(await answered, []);
  const pending = router.call('agent', 'task:run', { name: 'x' }, null);
  await tick();
  table.markClosing(AGENT);
  router.close(AGENT);
  await assert.rejects(pending, { code: 'ERR_BROOD_TARGET_GONE' });
});

test('messages for the agent wait while no agent is ready, and go to the next one', async () => {
  const { router, table, tick, actions } = setup();
  table.markAppReady();
  router.receive(W1, action(W1, 'worker', 'agent', 'held'));
  await tick();
  assert.deepEqual(actions(AGENT), []);
  table.markReady(AGENT);
  await tick();
  assert.deepEqual(actions(AGENT), ['held']);
});
