/**
 * The messenger client of the agent and the workers in one process, over a
 * fake transport: batching, replies, the messages held until open(), and
 * the bound on what waits for a master that does not read.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ActionMessage, type Envelope, envelope, Messenger, type ReplyMessage, type Transport, unpack } from '@brood/messenger';

const AGENT = 101;
const W1 = 201;

test('a client batches what one tick sends into one write, and request resolves with the reply', async () => {
  const writes: Envelope[] = [];
  let deliver: (raw: unknown) => void = () => {};
  const transport: Transport = {
    send: (m, written) => {
      writes.push(m);
      queueMicrotask(written);
      return 'sent';
    },
    onMessage: (listener) => {
      deliver = listener;
    },
  };
  const messenger = new Messenger({ role: 'agent', transport, log: { warn() {}, error() {} } });
  for (let i = 0; i < 100; i++) messenger.sendToApp('burst', i);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(writes.length, 1, 'one write for the tick');
  assert.equal(writes[0]?.type, 'batch');

  const pending = messenger.request('random', 'ask', 1);
  await new Promise((resolve) => setImmediate(resolve));
  const sent = writes.at(-1) as { seq: number };
  deliver(
    envelope<ReplyMessage>({ type: 'reply', ack: sent.seq, from: { role: 'worker', pid: W1 }, to: process.pid, ok: true, data: 'answer' }),
  );
  assert.equal(await pending, 'answer');
});

test('a client holds the actions that arrive before open() and dispatches them in order after', async () => {
  let deliver: (raw: unknown) => void = () => {};
  const transport: Transport = { send: () => 'sent', onMessage: (listener) => (deliver = listener) };
  const messenger = new Messenger({ role: 'worker', transport, log: { warn() {}, error() {} } });
  const seen: unknown[] = [];
  deliver(envelope<ActionMessage>({ type: 'action', action: 'early', data: 1, from: { role: 'agent', pid: AGENT }, to: 'app' }));
  // The handler is registered while the app boots, after the message arrived.
  messenger.on('early', (data) => {
    seen.push(data);
  });
  deliver(envelope<ActionMessage>({ type: 'action', action: 'early', data: 2, from: { role: 'agent', pid: AGENT }, to: 'app' }));
  assert.deepEqual(seen, [], 'nothing is dispatched while the process boots');
  messenger.open();
  assert.deepEqual(seen, [1, 2]);
  deliver(envelope<ActionMessage>({ type: 'action', action: 'early', data: 3, from: { role: 'agent', pid: AGENT }, to: 'app' }));
  assert.deepEqual(seen, [1, 2, 3]);
});

/** A messenger over a channel to a master that reads nothing: every write says full, none completes. */
function stalledMaster(maxPendingBytes = 10_000) {
  const writes: Envelope[] = [];
  const warnings: string[] = [];
  let deliver: (raw: unknown) => void = () => {};
  const transport: Transport = {
    send: (m) => {
      writes.push(m);
      return 'full';
    },
    onMessage: (listener) => {
      deliver = listener;
    },
  };
  const log = { warn: (_f: Record<string, unknown>, m: string) => warnings.push(m), error() {} };
  const messenger = new Messenger({ role: 'worker', transport, log, maxPendingBytes });
  return { messenger, writes, warnings, deliver: (raw: unknown) => deliver(raw) };
}

const payload = 'x'.repeat(1000);
const tick = () => new Promise((resolve) => setImmediate(resolve));

test('a master that does not read: sends past the bound are dropped and counted, requests refused at once', async () => {
  const { messenger, warnings } = stalledMaster();
  for (let i = 0; i < 50; i++) messenger.sendToAgent('blob', payload);
  const dropped = messenger.dropped;
  assert.ok(dropped >= 40 && dropped < 50, `${dropped} dropped`);
  await assert.rejects(messenger.request('agent', 'ask', payload), {
    code: 'ERR_BROOD_TARGET_BUSY',
    message: /^request ask to agent refused: \d+\.\d kB already wait to be written to the master \(maxPendingBytes 9\.8 kB\)$/,
  });
  assert.deepEqual(
    warnings.map((w) => w.replace(/\d+\.\d kB/g, 'N kB')),
    [
      'message blob on the way to the master dropped: N kB already wait to be written to the master (maxPendingBytes N kB)',
      'request ask on the way to the master refused: N kB already wait to be written to the master (maxPendingBytes N kB)',
    ],
  );
  messenger.close();
  assert.match(warnings[2] as string, new RegExp(`^dropped ${dropped - 1} messages on the way to the master: `));
});

test('a reply that does not fit is replaced by a small failure, written whatever the bound', async () => {
  const { messenger, writes, deliver } = stalledMaster();
  messenger.on('ask', () => payload.repeat(20));
  messenger.open();
  for (let i = 0; i < 9; i++) messenger.sendToAgent('fill', payload);
  deliver(envelope<ActionMessage>({ type: 'action', action: 'ask', data: null, from: { role: 'agent', pid: AGENT }, to: W1, seq: 4 }));
  messenger.flush();
  const replies: ReplyMessage[] = [];
  for (const write of writes) unpack(write, (m) => m.type === 'reply' && replies.push(m));
  assert.equal(replies.length, 1);
  assert.equal(replies[0]?.ok, false);
  assert.equal(replies[0]?.error?.code, 'ERR_BROOD_TARGET_BUSY');
  assert.match(replies[0]?.error?.message ?? '', /^the reply to ask was dropped: /);
});

test('flush() before an exit writes everything queued, even to a channel that says it is full', async () => {
  const { messenger, writes } = stalledMaster(1024 * 1024);
  messenger.sendToAgent('first', null);
  await tick();
  for (let i = 0; i < 3; i++) messenger.sendToAgent('later', i);
  await tick();
  assert.equal(writes.length, 1, 'a full channel gets nothing more');
  messenger.flush();
  assert.equal(writes.length, 2);
});

test('malformed messages from the master: counted, and logged as two lines however many', () => {
  const { messenger, warnings, deliver } = stalledMaster();
  for (let i = 0; i < 10_000; i++) deliver({ nonsense: i });
  assert.deepEqual(warnings, ['malformed message from the master dropped: no brood marker']);
  messenger.close();
  assert.deepEqual(warnings.slice(1), ['dropped 9999 malformed messages from the master: no brood marker']);
  assert.equal(messenger.dropped, 10_000);
});

test('data JSON cannot carry fails its own request and drops its own send; the rest of the tick is written', async () => {
  const written: Envelope[] = [];
  const warnings: string[] = [];
  // Node serialises a write as it is made, and throws on a cycle: so does this channel.
  const transport: Transport = {
    send: (m, done) => {
      JSON.stringify(m);
      unpack(m, (inner) => written.push(inner));
      queueMicrotask(done);
      return 'sent';
    },
    onMessage() {},
  };
  const messenger = new Messenger({ role: 'worker', transport, log: { warn: (_f, m) => warnings.push(m), error() {} } });
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  messenger.sendToAgent('before', 1);
  messenger.sendToAgent('cyclic', cycle);
  const asked = messenger.request('agent', 'cyclic-request', cycle);
  messenger.sendToAgent('after', 2);
  await assert.rejects(asked, {
    code: 'ERR_BROOD_UNSENDABLE_DATA',
    message: /request cyclic-request not sent: its data cannot be serialised/,
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(
    written.map((m) => (m as ActionMessage).action),
    ['before', 'after'],
  );
  assert.equal(messenger.dropped, 1, 'the cyclic send is counted as dropped');
  assert.ok(
    warnings.some((w) => /cyclic/.test(w) && /cannot be serialised/.test(w)),
    warnings.join('\n'),
  );
});
