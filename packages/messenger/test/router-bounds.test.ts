/**
 * What the router holds for a process that does not read is bounded in
 * bytes: past the bound, requests are refused at once and other messages
 * dropped, counted and logged a few lines at a time; what a process that
 * exits had waiting is counted as lost. test/bounds.test.ts checks the same
 * against a real stalled agent and the master's memory.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReplyMessage } from '@brood/messenger';
import { envelope } from '@brood/messenger';
import { action, PIDS, setup } from './fake-cluster.js';

const { AGENT, W1, W2 } = PIDS;
/** A small bound, so that a few messages of 1,000 bytes reach it. */
const BOUND = 10_000;
const payload = 'x'.repeat(1000);

function running() {
  const cluster = setup({ maxPendingBytes: BOUND });
  for (const pid of [AGENT, W1, W2]) cluster.table.markReady(pid);
  cluster.table.markAppReady();
  return cluster;
}

const repliesTo = (inbox: Map<number, unknown[]>, pid: number) =>
  (inbox.get(pid) ?? []).filter((m) => (m as ReplyMessage).type === 'reply') as ReplyMessage[];

test('a stalled target: sends past the bound are dropped and counted, requests refused at once with ERR_BROOD_TARGET_BUSY', async () => {
  const { router, inbox, warnings, tick, actions, stall, unstall } = running();
  stall(AGENT);
  for (let i = 0; i < 50; i++) router.receive(W1, action(W1, 'worker', 'agent', 'blob', undefined, payload));
  for (let seq = 1; seq <= 5; seq++) router.receive(W1, action(W1, 'worker', 'agent', 'ask', seq, payload));
  await tick();
  const delivered = actions(AGENT).length;
  const dropped = router.droppedFor(AGENT);
  assert.ok(delivered >= 1 && delivered <= 10, `${delivered} written before the bound`);
  assert.equal(dropped, 55 - delivered, 'every message past the bound is counted for its target');
  assert.equal(router.dropped, dropped);
  const refused = repliesTo(inbox, W1);
  assert.equal(refused.length, 5);
  for (const reply of refused) {
    assert.equal(reply.error?.code, 'ERR_BROOD_TARGET_BUSY');
    assert.match(
      reply.error?.message ?? '',
      /^request ask to agent 101 refused: \d+\.\d kB already wait for it \(maxPendingBytes 9\.8 kB\)$/,
    );
  }
  assert.equal(warnings.length, 2, 'the first dropped message and the first refused request, nothing more yet');
  router.flushLog();
  assert.match(warnings[2] as string, /^dropped \d+ messages for agent 101: /);
  assert.match(warnings[3] as string, /^refused 4 requests for agent 101: /);
  // The agent reads again: what the bound held goes, nothing after it.
  unstall(AGENT);
  await tick();
  assert.equal(actions(AGENT).length, delivered + 0, 'what was refused is gone for good');
});

test('however much comes, the router holds at most the bound for a stalled process, and writes it in order once it reads', async () => {
  const { router, tick, inbox, stall, unstall } = running();
  stall(W2);
  for (let i = 0; i < 10_000; i++) router.receive(AGENT, action(AGENT, 'agent', W2, 'n', undefined, { i, payload }));
  await tick();
  unstall(W2);
  await tick();
  await tick();
  const received = (inbox.get(W2) ?? []).map((m) => ((m as { data: { i: number } }).data ?? { i: -1 }).i);
  assert.ok(received.length <= BOUND / 1000 + 1, `${received.length} held and delivered`);
  assert.deepEqual(
    received,
    Array.from({ length: received.length }, (_, i) => i),
    'the first ones, in order',
  );
  assert.equal(router.droppedFor(W2), 10_000 - received.length);
});

test('a reply to a requester that does not read is replaced by a small failure, so its request still ends', async () => {
  const { router, inbox, tick, stall, unstall } = running();
  router.receive(W1, action(W1, 'worker', AGENT, 'ask', 7));
  await tick();
  stall(W1);
  // The requester's channel fills up with other traffic.
  for (let i = 0; i < 50; i++) router.receive(AGENT, action(AGENT, 'agent', W1, 'fill', undefined, payload));
  router.receive(
    AGENT,
    envelope<ReplyMessage>({ type: 'reply', ack: 7, from: { role: 'agent', pid: AGENT }, to: W1, ok: true, data: payload }),
  );
  unstall(W1);
  await tick();
  const [reply] = repliesTo(inbox, W1);
  assert.equal(reply?.ack, 7);
  assert.equal(reply?.ok, false);
  assert.equal(reply?.error?.code, 'ERR_BROOD_TARGET_BUSY');
  assert.match(reply?.error?.message ?? '', /^the reply from agent 101 was dropped: /);
});

test('a process that exits with messages not yet written: one line counts them, requests among them fail with TARGET_GONE', async () => {
  const { router, inbox, warnings, logged, tick, stall } = running();
  stall(AGENT);
  for (let i = 0; i < 5; i++) router.receive(W1, action(W1, 'worker', 'agent', 'blob', undefined, payload));
  router.receive(W1, action(W1, 'worker', 'agent', 'ask', 3));
  await tick();
  router.close(AGENT);
  await tick();
  assert.deepEqual(warnings, ['agent 101 exited before the master could write 6 messages to it: lost']);
  assert.equal(logged[0]?.lost, 6);
  assert.equal(router.dropped, 6);
  const [gone] = repliesTo(inbox, W1);
  assert.equal(gone?.error?.code, 'ERR_BROOD_TARGET_GONE');
});

test('what is held while no agent is ready is bounded in bytes too; a request past it is refused', async () => {
  const { router, table, tick, inbox, actions } = setup({ maxPendingBytes: BOUND });
  table.markReady(W1);
  table.markAppReady();
  for (let i = 0; i < 100; i++) router.receive(W1, action(W1, 'worker', 'agent', 'held', undefined, payload));
  router.receive(W1, action(W1, 'worker', 'agent', 'ask', 9));
  await tick();
  const [refused] = repliesTo(inbox, W1);
  assert.equal(refused?.error?.code, 'ERR_BROOD_TARGET_BUSY');
  assert.match(
    refused?.error?.message ?? '',
    /^request ask to the agent while it is down refused: \d+ messages \(\d\.\d kB\) are held already/,
  );
  table.markReady(AGENT);
  await tick();
  const held = actions(AGENT).length;
  assert.ok(held >= 1 && held <= BOUND / 1000, `${held} held`);
  assert.equal(router.dropped, 101 - held);
});

test('100,000 malformed messages from one worker: one line at once, one counted line at the interval, all counted', () => {
  const { router, warnings, logged } = running();
  for (let i = 0; i < 100_000; i++) router.receive(W2, { hello: i });
  assert.deepEqual(warnings, ['malformed message from worker 202 dropped: no brood marker']);
  assert.equal(logged[0]?.message, '{"hello":0}', 'the first carries what it was');
  router.flushLog();
  assert.deepEqual(warnings.slice(1), ['dropped 99999 malformed messages from worker 202: no brood marker']);
  assert.equal(logged[1]?.count, 99_999);
  assert.equal(router.dropped, 100_000);
});

test('what a sender chooses does not choose the number of lines: types, pids and misdirected envelopes are counted per kind', () => {
  const { router, warnings } = running();
  for (let i = 0; i < 1000; i++) router.receive(W2, { brood: 1, type: `t${i}` });
  for (let i = 0; i < 100; i++) router.receive(W1, action(W1, 'worker', 900_000 + i, 'lost'));
  for (let i = 0; i < 10; i++)
    router.unexpected({ role: 'worker', pid: W1 }, envelope({ type: 'app:ready', peers: { agent: null, workers: [] } }));
  assert.deepEqual(warnings, [
    'malformed message from worker 202 dropped: unknown type "t0"',
    'message lost dropped: no process with pid 900000',
    'unexpected message from worker 201 dropped: app:ready does not go from a child to the master',
  ]);
  router.flushLog();
  assert.deepEqual(warnings.slice(3), [
    'dropped 999 malformed messages from worker 202: unknown type',
    'dropped 99 messages: no process with pid N',
    'dropped 9 unexpected messages from worker 201: app:ready does not go from a child to the master',
  ]);
  assert.equal(router.dropped, 1110);
});
