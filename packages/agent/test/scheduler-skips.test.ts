/**
 * The scheduler's skips: every fire or run that does not happen counts in
 * the task's figures and reaches the metrics observer, whichever way it is
 * skipped — a cluster fire that cannot be claimed or comes back late, one
 * whose previous run still goes, and a run asked for while one still goes.
 * The claims here are a stand-in for cluster mode (test/cluster-mode runs
 * the real thing on Redis).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Scheduler } from '@brood/agent';
import type { TaskDefinition } from '@brood/core';
import type { Messenger } from '@brood/messenger';

const quiet = { debug() {}, info() {}, warn() {}, error() {} } as never;

function agentTask(name: string, run: () => unknown): TaskDefinition {
  return {
    name,
    source: `app/schedule/${name}.ts`,
    type: 'agent',
    scope: 'cluster',
    interval: 60_000,
    immediate: false,
    enabled: true,
    overlap: false,
    describe: 'every 60s',
    run,
  };
}

/** A scheduler whose cluster clock fires when the test says, each claim answered with the next of `outcomes`. */
function schedulerWith(task: TaskDefinition, outcomes: ('unreachable' | 'late' | 'granted')[]) {
  const observed: string[] = [];
  let fire: (fireTime: number) => void = () => {};
  let token = 0;
  const scheduler = new Scheduler({
    tasks: new Map([[task.name, task]]),
    messenger: {} as Messenger<unknown>,
    logger: quiet,
    agentContext: () => ({}),
    observe: (_task, result) => observed.push(result.outcome),
    claims: {
      clock(_task, onFire) {
        fire = onFire;
        return { start() {}, stop() {}, next: undefined };
      },
      async claimFire() {
        const outcome = outcomes.shift() ?? 'unreachable';
        return outcome === 'granted' ? { token: ++token, instance: 'here', fireTime: 0 } : outcome;
      },
      async claimRun() {
        return { token: ++token, instance: 'here', fireTime: 0 };
      },
    },
  });
  scheduler.start();
  return { scheduler, observed, fire: (at: number) => fire(at) };
}

const stats = (scheduler: Scheduler) => scheduler.list()[0] as { skips: number; runs: number };

test('a cluster fire that cannot be claimed, or whose claim comes back late, is a skip in the figures and the metrics', async () => {
  const { scheduler, observed, fire } = schedulerWith(
    agentTask('report', () => {}),
    ['unreachable', 'late'],
  );
  fire(60_000);
  fire(120_000);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(stats(scheduler).skips, 2);
  assert.deepEqual(observed, ['skipped', 'skipped']);
  scheduler.stop();
});

test('a fire or a run while the previous run still goes (overlap: false) is a skip in the figures and the metrics', async () => {
  let finish: () => void = () => {};
  const running = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const { scheduler, observed, fire } = schedulerWith(
    agentTask('slow', () => running),
    ['granted'],
  );
  fire(60_000);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(scheduler.list()[0]?.running, true);
  fire(120_000);
  const manual = await scheduler.run('slow', 'manual');
  assert.equal(manual.outcome, 'skipped');
  assert.equal(stats(scheduler).skips, 2);
  assert.deepEqual(observed, ['skipped', 'skipped']);
  finish();
  // The run's outcome is observed a few microtasks after the task settles: turns of the loop, bounded.
  for (let turn = 0; turn < 100 && observed.length < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(observed, ['skipped', 'skipped', 'ok']);
  await scheduler.drain(1000);
});
