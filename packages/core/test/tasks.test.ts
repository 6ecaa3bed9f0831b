/**
 * defineTask, which checks each file under app/schedule before anything is
 * forked, and parseDuration, which reads its intervals and timeouts. Every
 * refusal names the file and has the code ERR_BROOD_TASK_INVALID;
 * test/schedule.test.ts starts apps with bad task files for real, to see
 * one reach the user.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defineTask, parseDuration } from '@brood/core';

const SOURCE = 'app/schedule/report.ts';
const task = async () => {};

/** defineTask on a task file exporting `schedule` and `task`, in the app environment `test`. */
const define = (schedule: unknown, env = 'test') => defineTask(SOURCE, 'report', { schedule, task }, env);

/** Asserts that the schedule is refused with a message, after the file name, matching `reason`. */
function refused(schedule: unknown, reason: RegExp): void {
  assert.throws(
    () => define(schedule),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_BROOD_TASK_INVALID');
      assert.ok(error.message.startsWith(`${SOURCE}: `), error.message);
      assert.match(error.message, reason);
      return true;
    },
  );
}

describe('parseDuration', () => {
  test('a positive number is ms already', () => {
    assert.equal(parseDuration(250), 250);
    assert.equal(parseDuration(0.5), 0.5);
  });

  test('a number with a unit: ms, s, m, h, d, decimals and spaces allowed', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('5s'), 5000);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('1m'), 60_000);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseDuration('1d'), 86_400_000);
    assert.equal(parseDuration(' 5 s '), 5000);
  });

  test('anything else is undefined: zero, negative, endless, no unit, an unknown unit, another type', () => {
    for (const value of [
      0,
      -5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      '0s',
      '-5s',
      '5',
      '5sec',
      '5 seconds',
      's',
      '',
      '1w',
      null,
      undefined,
      {},
      ['5s'],
      true,
    ]) {
      assert.equal(parseDuration(value), undefined, JSON.stringify(value) ?? String(value));
    }
  });
});

describe('defineTask accepts', () => {
  test('an interval task with every default: one worker per tick, on, no overlap, no timeout', () => {
    const definition = define({ interval: '5s' });
    assert.deepEqual(
      { ...definition, run: typeof definition.run },
      {
        name: 'report',
        source: SOURCE,
        type: 'worker',
        scope: 'host',
        immediate: false,
        enabled: true,
        overlap: false,
        interval: 5000,
        describe: 'every 5s',
        run: 'function',
      },
    );
    assert.equal(definition.run, task);
  });

  test('an interval in ms is described in ms', () => {
    assert.equal(define({ interval: 100 }).describe, 'every 100ms');
    assert.equal(define({ interval: 100 }).interval, 100);
  });

  test("scope: 'cluster' for every type, on an interval or a cron", () => {
    for (const type of ['worker', 'all', 'agent'] as const)
      assert.equal(define({ interval: '1s', type, scope: 'cluster' }).scope, 'cluster');
    assert.equal(define({ cron: '0 * * * * *', scope: 'cluster' }).scope, 'cluster');
    assert.equal(define({ interval: '1s', scope: 'host' }).scope, 'host');
  });

  test('schedule and task exported through the default export', () => {
    const definition = defineTask(SOURCE, 'report', { default: { schedule: { interval: '1m', type: 'agent' }, task } }, 'test');
    assert.equal(definition.type, 'agent');
    assert.equal(definition.interval, 60_000);
    assert.equal(definition.run, task);
  });

  test('a cron task with six fields or five, with or without a time zone', () => {
    const six = define({ cron: '0 */5 * * * *' });
    assert.equal(six.cron, '0 */5 * * * *');
    assert.equal(six.interval, undefined);
    assert.equal(six.describe, 'cron 0 */5 * * * *');
    assert.equal(define({ cron: '0 3 * * *' }).describe, 'cron 0 3 * * *');
    const zoned = define({ cron: '* * * * * *', timezone: 'Europe/Paris', type: 'agent' });
    assert.equal(zoned.timezone, 'Europe/Paris');
    assert.equal(zoned.describe, 'cron * * * * * * (Europe/Paris)');
  });

  test('type, immediate, overlap and timeout as given', () => {
    const definition = define({ interval: '1s', type: 'all', immediate: true, overlap: true, timeout: '30s' });
    assert.equal(definition.type, 'all');
    assert.equal(definition.immediate, true);
    assert.equal(definition.overlap, true);
    assert.equal(definition.timeout, 30_000);
    assert.equal(define({ interval: '1s', timeout: 250 }).timeout, 250);
  });

  test('disable and env switch a task off without refusing it', () => {
    assert.equal(define({ interval: '1s', disable: true }).enabled, false);
    assert.equal(define({ interval: '1s', disable: false }).enabled, true);
    assert.equal(define({ interval: '1s', env: ['prod'] }).enabled, false, 'env: [prod] is off in env test');
    assert.equal(define({ interval: '1s', env: ['prod'] }, 'prod').enabled, true);
    assert.equal(define({ interval: '1s', env: [] }).enabled, false);
    assert.equal(define({ interval: '1s', env: ['prod'], disable: true }, 'prod').enabled, false);
  });

  test('the longest interval and timeout a Node timer can wait', () => {
    assert.equal(define({ interval: 2_147_483_647 }).interval, 2_147_483_647);
    assert.equal(define({ interval: '1s', timeout: 2_147_482_647 }).timeout, 2_147_482_647);
  });
});

describe('defineTask refuses, naming the file and the reason', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['no schedule export', undefined, /export a `schedule` object/],
    ['a schedule that is not an object', '5s', /export a `schedule` object/],
    ['a bad cron expression', { cron: '61 * * * * *' }, /bad cron expression "61 \* \* \* \* \*": .+/],
    ['neither interval nor cron', { type: 'worker' }, /the schedule needs an interval or a cron expression$/],
    ['both interval and cron', { interval: '1s', cron: '* * * * * *' }, /the schedule has both interval and cron; keep one/],
    ['an unknown time zone', { cron: '* * * * * *', timezone: 'Mars/Olympus' }, /bad time zone "Mars\/Olympus"/],
    ['a time zone without cron', { interval: '1s', timezone: 'Europe/Paris' }, /timezone applies to cron only/],
    ['an interval longer than a timer can wait', { interval: '25d' }, /interval must be at most 2147483647 ms/],
    ['a timeout longer than a timer can wait', { interval: '1s', timeout: '30d' }, /timeout must be at most/],
    [
      'an interval that is not a duration',
      { interval: '5 minutes' },
      /interval must be a number of ms or a duration like '5s', got "5 minutes"/,
    ],
    ['a timeout that is not a duration', { interval: '1s', timeout: 0 }, /timeout must be a number of ms or a duration like '30s', got 0/],
    ['an unknown option', { interval: '1s', tyep: 'agent' }, /unknown schedule option tyep; known: interval, cron, /],
    ['an unknown type', { interval: '1s', type: 'cluster' }, /type must be worker, all or agent, got "cluster"/],
    ['a flag that is not a boolean', { interval: '1s', disable: 'true' }, /disable must be true or false, got "true"/],
    ['immediate that is not a boolean', { interval: '1s', immediate: 1 }, /immediate must be true or false, got 1/],
    ['an unknown scope', { interval: '1s', scope: 'global' }, /scope must be host or cluster, got "global"/],
    [
      'immediate with cluster scope',
      { interval: '1s', scope: 'cluster', immediate: true },
      /immediate cannot be used with scope: 'cluster'/,
    ],
    ['env that is not a list', { interval: '1s', env: 'prod' }, /env must be an array of environment names/],
    ['env with a name that is not a string', { interval: '1s', env: ['prod', 1] }, /env must be an array of environment names/],
  ];
  for (const [name, schedule, reason] of cases) {
    test(name, () => refused(schedule, reason));
  }

  test('a file without a task function', () => {
    assert.throws(() => defineTask(SOURCE, 'report', { schedule: { interval: '1s' } }, 'test'), {
      code: 'ERR_BROOD_TASK_INVALID',
      message: `${SOURCE}: export a \`task(ctx)\` function`,
    });
  });

  test('a bad cron expression keeps the error of croner as its cause', () => {
    assert.throws(
      () => define({ cron: 'every minute' }),
      (error: Error) => error.cause instanceof Error,
    );
  });
});
