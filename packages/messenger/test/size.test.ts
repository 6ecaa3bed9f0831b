/**
 * The estimate of a message's size that the bounds count: close to its JSON
 * length for what apps send, cheap, and safe on any value.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ActionMessage, envelope, envelopeSize, jsonSize } from '@brood/messenger';

const within = (estimate: number, exact: number, factor: number): boolean => estimate <= exact * factor && estimate >= exact / factor;

test('for the values apps send, the estimate is within a factor of two of the JSON length', () => {
  // (Numbers count 8 bytes: a tiny payload of small numbers is overestimated, but the envelope's 100 bytes dominate it.)
  const values: unknown[] = [
    'x'.repeat(1 << 20),
    { id: 42, title: 'buy milk', done: false, tags: ['home', 'shop'], at: new Date(0) },
    Array.from({ length: 1000 }, (_, i) => ({ i, name: `item ${i}`, price: i * 1.5 })),
    { ids: [1001, 1002, 1003], ok: true, none: null, label: 'a' },
    { nested: { deeper: { deepest: ['a', 'b', { c: 'd' }] } } },
  ];
  for (const value of values) {
    const exact = JSON.stringify(value).length;
    assert.ok(within(jsonSize(value), exact, 2), `${jsonSize(value)} for ${exact}`);
  }
});

test('an envelope counts its payload and about 100 bytes of its own', () => {
  const message = envelope<ActionMessage>({
    type: 'action',
    action: 'x',
    data: 'y'.repeat(1000),
    from: { role: 'worker', pid: 1 },
    to: 'agent',
  });
  assert.ok(within(envelopeSize(message), JSON.stringify(message).length, 1.2));
});

test('a payload nested 100,000 deep is measured without recursion', () => {
  let deep: unknown = 'end';
  for (let i = 0; i < 100_000; i++) deep = { deep };
  assert.ok(jsonSize(deep) > 100_000 * 8);
});

test('a cycle ends the walk; values JSON leaves out count nothing', () => {
  const cyclic: Record<string, unknown> = { name: 'loop' };
  cyclic.self = cyclic;
  assert.ok(Number.isFinite(jsonSize(cyclic)));
  assert.equal(jsonSize(undefined), 0);
  assert.equal(
    jsonSize(() => 1),
    0,
  );
  assert.ok(jsonSize(Buffer.alloc(1000)) >= 1000, 'a Buffer is its bytes as a JSON array');
});
