/**
 * The messenger client of the agent and the workers in one process, over a
 * fake transport: batching, replies, and the messages held until open().
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ActionMessage, type Envelope, envelope, Messenger, type ReplyMessage, type Transport } from '@brood/messenger';

const AGENT = 101;
const W1 = 201;

test('a client batches what one tick sends into one write, and request resolves with the reply', async () => {
  const writes: Envelope[] = [];
  let deliver: (raw: unknown) => void = () => {};
  const transport: Transport = {
    send: (m) => {
      writes.push(m);
      return true;
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
  const transport: Transport = { send: () => true, onMessage: (listener) => (deliver = listener) };
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
