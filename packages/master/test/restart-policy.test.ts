/**
 * The restart policy, on a clock the test drives: a process that ran
 * `minUptime` after it was ready is replaced at once, every time; a crash
 * loop (dead before ready, or sooner after) backs off per slot, resets
 * after a healthy run, and gives up past `maxRestarts`.
 * (The master does not export it: imported from its source.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RestartPolicy, type RestartRules } from '../src/restart-policy.js';

const RULES: RestartRules = { minUptime: 1000, maxRestarts: 10, restartDelay: 100, maxRestartDelay: 5000 };

test('a process that ran minUptime after ready is replaced at once, however many times', () => {
  const policy = new RestartPolicy(RULES);
  let now = 0;
  for (let i = 0; i < 50; i++) {
    const readyAt = now + 300;
    now = readyAt + 1000;
    assert.deepEqual(policy.exited('worker 1', readyAt, now), { giveUp: false, wait: 0, loop: 0 }, `crash ${i + 1}`);
  }
});

test('a crash loop waits restartDelay, doubling up to maxRestartDelay', () => {
  const policy = new RestartPolicy({ ...RULES, maxRestarts: 20 });
  const waits = Array.from({ length: 9 }, (_, i) => policy.exited('worker 1', undefined, i).wait);
  assert.deepEqual(waits, [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
  assert.equal(policy.loops('worker 1'), 9);
});

test('dying within minUptime of ready counts as a crash loop; dying at minUptime does not', () => {
  const policy = new RestartPolicy(RULES);
  assert.equal(policy.exited('agent', 1000, 1999).loop, 1, '999 ms after ready');
  assert.equal(policy.exited('agent', 5000, 6000).loop, 0, '1000 ms after ready');
});

test('a healthy run resets the wait of its slot', () => {
  const policy = new RestartPolicy(RULES);
  for (let i = 0; i < 4; i++) policy.exited('worker 2', undefined, i);
  assert.equal(policy.exited('worker 2', undefined, 10).wait, 1600);
  assert.equal(policy.exited('worker 2', 100, 5000).wait, 0, 'ran 4.9 s after ready');
  assert.equal(policy.exited('worker 2', undefined, 6000).wait, 100, 'the next loop starts from restartDelay');
});

test('slots count apart: one worker in a crash loop does not hasten the give-up of another', () => {
  const policy = new RestartPolicy({ ...RULES, maxRestarts: 3 });
  for (let i = 0; i < 3; i++) {
    assert.equal(policy.exited('worker 1', undefined, i).giveUp, false);
    assert.equal(policy.exited('worker 2', undefined, i).giveUp, false);
  }
  assert.equal(policy.loops('agent'), 0);
});

test('past maxRestarts crash-loop exits in a row it gives up, and keeps giving up', () => {
  const policy = new RestartPolicy({ ...RULES, maxRestarts: 3 });
  const decisions = Array.from({ length: 5 }, (_, i) => policy.exited('worker 1', i * 10, i * 10 + 5));
  assert.deepEqual(
    decisions.map((d) => d.giveUp),
    [false, false, false, true, true],
  );
  assert.deepEqual(decisions[3], { giveUp: true, wait: null, loop: 4 });
});

test('maxRestarts 0 gives up at the first crash-loop exit, and still replaces healthy crashes at once', () => {
  const policy = new RestartPolicy({ ...RULES, maxRestarts: 0 });
  assert.equal(policy.exited('worker 1', 0, 2000).wait, 0);
  assert.equal(policy.exited('worker 1', 0, 10).giveUp, true);
});
