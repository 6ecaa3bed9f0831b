/**
 * The outbox: what one tick sends to one peer leaves in as few IPC writes
 * as the batch caps allow, in order; a channel that says it is full gets
 * nothing more until its writes complete; what waits is bounded in bytes;
 * and what a dead peer could not take is handed back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type ActionMessage,
  type BatchMessage,
  type Envelope,
  envelope,
  MAX_BATCH,
  MAX_BATCH_BYTES,
  Outbox,
  unpack,
  type WriteResult,
} from '@brood/messenger';

const message = (n: number, data: unknown = n): ActionMessage =>
  envelope<ActionMessage>({ type: 'action', action: 'count', data, from: { role: 'agent', pid: 101 }, to: 'app' });

/**
 * An outbox over a fake channel that records each write. `answer` says what
 * each write returns; the send callbacks wait in `callbacks` until the test
 * completes them (`complete()`), as Node runs them once the kernel took the bytes.
 */
function recorder(answer: (index: number) => WriteResult = () => 'sent', maxPendingBytes?: number) {
  const writes: Envelope[] = [];
  const callbacks: Array<() => void> = [];
  const outbox = new Outbox((m, written) => {
    const result = answer(writes.length);
    if (result === 'closed') return result;
    writes.push(m);
    callbacks.push(written);
    return result;
  }, maxPendingBytes);
  const complete = (): void => {
    for (const written of callbacks.splice(0)) written();
  };
  return { outbox, writes, complete };
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

test('a write to a closed peer stops the writing; push says closed, and discard hands back what was never written', async () => {
  // The second write finds the peer gone: the first chunk went, the rest stays for discard().
  const { outbox, writes } = recorder((index) => (index < 1 ? 'sent' : 'closed'));
  const count = 2 * MAX_BATCH + 3;
  for (let i = 0; i < count; i++) outbox.push(message(i));
  await endOfTick();
  assert.equal(writes.length, 1);
  assert.equal(outbox.closed, true);
  assert.equal(outbox.push(message(-1)), 'closed');
  const { unwritten, inFlight } = outbox.discard();
  assert.equal(inFlight, MAX_BATCH, 'the first write never completed: its messages count as in flight');
  assert.deepEqual(
    unwritten.map((m) => (m as ActionMessage).data),
    Array.from({ length: count - MAX_BATCH }, (_, i) => i + MAX_BATCH),
  );
});

test(`a write carries at most ${MAX_BATCH_BYTES} bytes; a larger message goes alone`, async () => {
  const { outbox, writes } = recorder();
  const big = 'x'.repeat(300 * 1024);
  for (let i = 0; i < 7; i++) outbox.push(message(i, { n: i, big }));
  outbox.push(message(7, { n: 7, big: 'y'.repeat(2 * MAX_BATCH_BYTES) }));
  outbox.push(message(8, { n: 8 }));
  await endOfTick();
  assert.deepEqual(
    writes.map((w) => (w.type === 'batch' ? w.messages.length : 1)),
    [3, 3, 1, 1, 1],
    'three of 300 kB fit in 1 MB; the 2 MB message is a write of its own',
  );
  assert.deepEqual(
    numbers(writes).map((data) => (data as { n: number }).n),
    [0, 1, 2, 3, 4, 5, 6, 7, 8],
  );
});

test('a full channel gets nothing more until its writes complete; then the rest goes, in order', async () => {
  const { outbox, writes, complete } = recorder((index) => (index === 0 ? 'full' : 'sent'));
  outbox.push(message(1));
  await endOfTick();
  assert.equal(writes.length, 1);
  for (let i = 2; i <= 4; i++) outbox.push(message(i));
  await endOfTick();
  assert.equal(writes.length, 1, 'nothing is written while the channel is full');
  complete();
  await endOfTick();
  assert.equal(writes.length, 2);
  assert.deepEqual(numbers(writes), [1, 2, 3, 4]);
});

test('what waits or is in flight is bounded: past maxPendingBytes push refuses, and takes again once writes complete', async () => {
  const { outbox, writes, complete } = recorder(() => 'full', 10_000);
  const payload = 'x'.repeat(1000);
  const pushed: string[] = [];
  for (let i = 0; i < 20; i++) pushed.push(outbox.push(message(i, payload)));
  const queued = pushed.filter((p) => p === 'queued').length;
  assert.ok(queued >= 8 && queued <= 9, `about 10,000 bytes of 1,100-byte messages are taken: ${queued}`);
  assert.deepEqual(pushed.slice(queued), Array(20 - queued).fill('busy'));
  assert.ok(outbox.pendingBytes <= 10_000);
  await endOfTick();
  assert.equal(writes.length, 1, 'one write, and the channel says it is full');
  assert.equal(outbox.push(message(99, payload)), 'busy', 'written but not completed still counts');
  complete();
  assert.equal(outbox.pendingBytes, 0);
  assert.equal(outbox.push(message(100, payload)), 'queued');
});

test('a message larger than the bound is taken when nothing waits, and refused behind others', () => {
  const { outbox } = recorder(() => 'full', 1000);
  assert.equal(outbox.push(message(1, 'x'.repeat(5000))), 'queued');
  assert.equal(outbox.push(message(2)), 'busy');
  assert.equal(outbox.force(message(3)), 'queued', 'force() ignores the bound: control envelopes and failure replies');
});

test('drain() writes everything, even to a full channel: before an exit', () => {
  const { outbox, writes } = recorder(() => 'full');
  for (let i = 0; i < 3 * MAX_BATCH; i++) outbox.push(message(i));
  outbox.drain();
  assert.equal(writes.length, 3);
  assert.equal(numbers(writes).length, 3 * MAX_BATCH);
});

test('a burst far past the bound leaves the outbox at the bound, not at the burst', () => {
  const { outbox } = recorder(() => 'full', 1024 * 1024);
  const blob = 'x'.repeat(64 * 1024);
  let refused = 0;
  for (let i = 0; i < 10_000; i++) if (outbox.push(message(i, blob)) === 'busy') refused++;
  assert.ok(outbox.pendingBytes <= 1024 * 1024);
  assert.ok(refused > 9_980, `${refused} refused`);
});

test('unpack visits batched messages in order', () => {
  const batch = envelope<BatchMessage>({ type: 'batch', messages: [message(1), message(2), message(3)] });
  assert.deepEqual(numbers([batch, message(4)]), [1, 2, 3, 4]);
});
