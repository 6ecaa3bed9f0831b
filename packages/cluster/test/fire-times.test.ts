/** Fire times that instances agree on without talking: pure functions of the schedule and the clock. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { claimTtl, FireClock, nextFireTime } from '@brood/cluster';

const at = (iso: string) => Date.parse(iso);

test('an interval fires on its multiples since the epoch, whenever the instance started', () => {
  const every5s = { interval: 5000 };
  // Two instances started 1.3 s apart agree on every fire time.
  const a = at('2025-03-01T10:00:01.000Z');
  const b = a + 1300;
  assert.equal(nextFireTime(every5s, a), at('2025-03-01T10:00:05.000Z'));
  assert.equal(nextFireTime(every5s, b), at('2025-03-01T10:00:05.000Z'));
  // Strictly after: a fire time is never returned twice.
  assert.equal(nextFireTime(every5s, at('2025-03-01T10:00:05.000Z')), at('2025-03-01T10:00:10.000Z'));
  // An interval that does not divide a minute still agrees: 7 s multiples since 1970.
  const seven = nextFireTime({ interval: 7000 }, a) as number;
  assert.equal(seven % 7000, 0);
  assert.ok(seven > a && seven - a <= 7000);
  assert.equal(nextFireTime({ interval: 250 }, 1000), 1250);
});

test('cron: the next run after a time, with seconds, in a time zone', () => {
  assert.equal(nextFireTime({ cron: '*/10 * * * * *' }, at('2025-03-01T10:00:01.500Z')), at('2025-03-01T10:00:10.000Z'));
  assert.equal(nextFireTime({ cron: '*/10 * * * * *' }, at('2025-03-01T10:00:10.000Z')), at('2025-03-01T10:00:20.000Z'));
  // Five fields: minutes. 09:00 in Paris is 08:00 UTC in March (UTC+1).
  assert.equal(
    nextFireTime({ cron: '0 9 * * *', timezone: 'Europe/Paris' }, at('2025-03-01T07:00:00.000Z')),
    at('2025-03-01T08:00:00.000Z'),
  );
  // A day that never comes has no next run.
  assert.equal(nextFireTime({ cron: '0 0 0 30 2 *' }, at('2025-01-01T00:00:00.000Z')), undefined);
});

test('a schedule without interval or cron, or with a bad interval, is refused', () => {
  assert.throws(() => nextFireTime({}, 0), RangeError);
  assert.throws(() => nextFireTime({ interval: 0 }, 0), RangeError);
  assert.throws(() => nextFireTime({ interval: Number.NaN }, 0), RangeError);
});

test('claims live two periods, at least a minute and at most a day', () => {
  assert.equal(claimTtl({ interval: 1000 }, 0), 60_000);
  assert.equal(claimTtl({ interval: 600_000 }, 0), 1_200_000);
  assert.equal(claimTtl({ cron: '0 0 * * *' }, at('2025-03-01T00:00:00.000Z')), 86_400_000);
});

test('FireClock fires each fire time once, in order, on the multiples', async () => {
  const fired: number[] = [];
  let resolve = (): void => {};
  let reject = (_error: Error): void => {};
  const finished = new Promise<void>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  const clock = new FireClock({ interval: 40 }, (fireTime) => {
    fired.push(fireTime);
    assert.ok(Date.now() >= fireTime, 'never before its time');
    if (fired.length === 5) resolve();
  });
  clock.start();
  const first = clock.next as number;
  assert.equal(first % 40, 0);
  const timer = setTimeout(() => reject(new Error(`5 fires did not come within 10 s: ${fired}`)), 10_000);
  try {
    await finished;
  } finally {
    clearTimeout(timer);
    clock.stop();
  }
  assert.equal(clock.next, undefined);
  for (const fireTime of fired) assert.equal(fireTime % 40, 0);
  for (let i = 1; i < fired.length; i++) assert.ok((fired[i] as number) > (fired[i - 1] as number), `increasing: ${fired}`);
});
