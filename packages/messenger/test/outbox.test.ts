/**
 * The outbox: what one tick sends to one peer leaves in as few IPC writes
 * as the batch cap allows, in order, and what a dead peer could not take
 * is handed back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ActionMessage, type BatchMessage, type Envelope, envelope, MAX_BATCH, Outbox, unpack } from '@brood/messenger';

const message = (n: number): ActionMessage =>
  envelope<ActionMessage>({ type: 'action', action: 'count', data: n, from: { role: 'agent', pid: 101 }, to: 'app' });

/** An outbox over an array of writes; `accept` says whether each write goes through. */
function recorder(accept: (index: number) => boolean = () => true) {
  const writes: Envelope[] = [];
  const lost: Envelope[][] = [];
  const outbox = new Outbox(
    (m) => {
      if (!accept(writes.length)) return false;
      writes.push(m);
      return true;
    },
    (l) => lost.push(l),
  );
  return { outbox, writes, lost };
}

/** The `data` of every action in a write, batches unpacked. */
function numbers(writes: Envelope[]): unknown[] {
  const out: unknown[] = [];
  for (const write of writes) unpack(write, (m) => out.push((m as ActionMessage).data));
  return out;
}

const endOfTick = () => new Promise((resolve) => setImmediate(resolve));

test('a lone message is written as itself at the end of the tick, not at once', async () => {
  const { outbox, writes } = recorder();
  outbox.push(message(1));
  assert.equal(writes.length, 0, 'nothing is written synchronously');
  await Promise.resolve();
  assert.deepEqual(writes, [message(1)], 'written by the microtask, before the event loop reads I/O');
});

test('what one tick pushes is one batch write, in order; the next tick starts a new write', async () => {
  const { outbox, writes } = recorder();
  for (let i = 0; i < 10; i++) outbox.push(message(i));
  await endOfTick();
  assert.equal(writes.length, 1);
  assert.equal(writes[0]?.type, 'batch');
  assert.deepEqual(numbers(writes), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  outbox.push(message(10));
  outbox.push(message(11));
  await endOfTick();
  assert.equal(writes.length, 2);
  assert.deepEqual(numbers(writes.slice(1)), [10, 11]);
});

test(`a burst is cut into writes of at most ${MAX_BATCH}; a last single message goes as itself`, async () => {
  const { outbox, writes } = recorder();
  const count = 2 * MAX_BATCH + 1;
  for (let i = 0; i < count; i++) outbox.push(message(i));
  await endOfTick();
  assert.deepEqual(
    writes.map((w) => (w.type === 'batch' ? w.messages.length : w.type)),
    [MAX_BATCH, MAX_BATCH, 'action'],
  );
  assert.deepEqual(
    numbers(writes),
    Array.from({ length: count }, (_, i) => i),
  );
});

test('flush() writes at once, and the scheduled flush then finds nothing to write', async () => {
  const { outbox, writes } = recorder();
  outbox.push(message(1));
  outbox.push(message(2));
  outbox.flush();
  assert.equal(writes.length, 1);
  await endOfTick();
  assert.equal(writes.length, 1);
  outbox.flush();
  assert.equal(writes.length, 1, 'an empty flush writes nothing');
});

test('a write the peer refuses hands back that chunk and everything after it, and writes no more', async () => {
  // The second write fails: the first chunk went through, the rest is lost.
  const { outbox, writes, lost } = recorder((index) => index < 1);
  const count = 2 * MAX_BATCH + 3;
  for (let i = 0; i < count; i++) outbox.push(message(i));
  await endOfTick();
  assert.equal(writes.length, 1);
  assert.equal(lost.length, 1);
  assert.deepEqual(
    lost[0]?.map((m) => (m as ActionMessage).data),
    Array.from({ length: count - MAX_BATCH }, (_, i) => i + MAX_BATCH),
  );
});

test('unpack visits batched messages in order', () => {
  const batch = envelope<BatchMessage>({ type: 'batch', messages: [message(1), message(2), message(3)] });
  assert.deepEqual(numbers([batch, message(4)]), [1, 2, 3, 4]);
});
