/**
 * The restart budget, on a clock the test drives: how long the master waits
 * before it forks a crashed process again, and when it gives up.
 * (The master does not export it: imported from its source.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestartBudget } from '../src/restart-budget.js';

const WINDOW = 60_000;

test('the first crash restarts at once, then the wait doubles from 100 ms up to 5 s', () => {
  const budget = new RestartBudget(20, WINDOW);
  const waits = Array.from({ length: 12 }, (_, i) => budget.crashed(1000 + i));
  assert.deepEqual(waits, [0, 100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000, 5000, 5000]);
});

test('past max crashes within the window it gives up, and keeps giving up while they stay in the window', () => {
  const budget = new RestartBudget(3, WINDOW);
  assert.deepEqual([budget.crashed(0), budget.crashed(10), budget.crashed(20)], [0, 100, 200]);
  assert.equal(budget.crashed(30), null, 'the fourth crash within the window');
  assert.equal(budget.crashed(40), null);
  assert.equal(budget.recent, 5);
});

test('crashes older than the window no longer count', () => {
  const budget = new RestartBudget(2, WINDOW);
  budget.crashed(0);
  budget.crashed(1000);
  assert.equal(budget.recent, 2);
  // At WINDOW the crash at 0 is exactly one window old: it has left.
  assert.equal(budget.crashed(WINDOW), 100, 'one crash left in the window besides this one');
  assert.equal(budget.recent, 2);
  // Long after: a fresh start, as if the process had never crashed.
  assert.equal(budget.crashed(10 * WINDOW), 0);
  assert.equal(budget.recent, 1);
});

test('a crash loop slower than the window is restarted for ever', () => {
  const budget = new RestartBudget(1, WINDOW);
  for (let i = 0; i < 50; i++) assert.equal(budget.crashed(i * WINDOW), 0, `crash ${i}`);
});

test('max and window are kept as given, and nothing has crashed yet', () => {
  const budget = new RestartBudget(10, 30_000);
  assert.equal(budget.max, 10);
  assert.equal(budget.windowMs, 30_000);
  assert.equal(budget.recent, 0);
});
