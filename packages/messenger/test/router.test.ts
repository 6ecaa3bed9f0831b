/**
 * The master's routing table in one process, with plain functions as
 * channels: fast checks of the rules the cluster tests exercise across
 * real processes (test/messenger.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ActionMessage, type Envelope, envelope, Router, unpack } from '@brood/messenger';

const AGENT = 101;
const W1 = 201;
const W2 = 202;

function setup() {
  const inbox = new Map<number, Envelope[]>([
    [AGENT, []],
    [W1, []],
    [W2, []],
  ]);
  const warnings: string[] = [];
  const controls: Envelope[] = [];
  const router = new Router({ log: { warn: (_f, m) => warnings.push(m) }, onControl: (_from, m) => controls.push(m) });
  for (const [pid, role] of [
    [AGENT, 'agent'],
    [W1, 'worker'],
    [W2, 'worker'],
  ] as const) {
    router.add({ role, pid }, (m) => {
      unpack(m, (inner) => inbox.get(pid)?.push(inner));
      return true;
    });
  }
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  const actions = (pid: number) => (inbox.get(pid) ?? []).filter((m) => m.type === 'action').map((m) => (m as { action: string }).action);
  return { router, inbox, warnings, controls, tick, actions };
}

const action = (from: number, role: 'agent' | 'worker', to: 'agent' | 'app' | 'all' | 'random' | number, name: string, seq?: number) =>
  envelope<ActionMessage>({
    type: 'action',
    action: name,
    data: null,
    from: { role, pid: from },
    to,
    ...(seq === undefined ? {} : { seq }),
  });

test('messages for workers are held until app-ready, then delivered', async () => {
  const { router, tick, actions } = setup();
  router.markReady(AGENT);
  router.receive(AGENT, action(AGENT, 'agent', 'app', 'early'));
  await tick();
  assert.deepEqual(actions(W1), []);
  router.markReady(W1);
  router.markReady(W2);
  router.markAppReady();
  await tick();
  assert.deepEqual(actions(W1), ['early']);
  assert.deepEqual(actions(W2), ['early']);
});

test('targets: agent, app, all, random and pid', async () => {
  const { router, tick, actions } = setup();
  for (const pid of [AGENT, W1, W2]) router.markReady(pid);
  router.markAppReady();
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
  const { router, tick, actions } = setup();
  // W2 is booting (a refork): it joins no group until it is ready.
  router.markReady(AGENT);
  router.markReady(W1);
  router.markAppReady();
  for (let i = 0; i < 50; i++) router.receive(AGENT, action(AGENT, 'agent', 'random', 'r'));
  router.receive(AGENT, action(AGENT, 'agent', 'app', 'app'));
  router.receive(AGENT, action(AGENT, 'agent', 'all', 'all'));
  await tick();
  assert.equal(actions(W1).filter((a) => a === 'r').length, 50);
  assert.deepEqual(actions(W2), [], 'the booting worker got nothing');

  // W2 is ready, then W1 starts closing (a reload replaces it).
  router.markReady(W2);
  router.markClosing(W1);
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
  const { router, tick, inbox } = setup();
  for (const pid of [AGENT, W1, W2]) router.markReady(pid);
  router.markAppReady();
  router.receive(W1, action(W1, 'worker', AGENT, 'slow', 7));
  router.receive(W1, action(W1, 'worker', 999, 'nobody', 8));
  await tick();
  router.remove(AGENT);
  await tick();
  const replies = (inbox.get(W1) ?? []).filter((m) => m.type === 'reply') as Array<{ ack: number; error?: { code: string } }>;
  assert.deepEqual(replies.map((r) => [r.ack, r.error?.code]).sort(), [
    [7, 'ERR_BROOD_TARGET_GONE'],
    [8, 'ERR_BROOD_NO_TARGET'],
  ]);
});

test('a malformed message is dropped with one warning naming the sender; the claimed sender is not trusted', async () => {
  const { router, tick, warnings, actions } = setup();
  for (const pid of [AGENT, W1, W2]) router.markReady(pid);
  router.markAppReady();
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
