/**
 * The tally that keeps drops and malformed messages from flooding the log:
 * the first of a kind at once, then one counted line per kind per interval.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_KINDS, Tally, type TallyLine } from '@brood/messenger';

function tally() {
  const lines: TallyLine[] = [];
  const t = new Tally(
    (line) => lines.push(line),
    (count) => ({ fields: { count }, message: `${count} others` }),
    60_000,
  );
  const describe = (kind: string) => (count: number, first: boolean) => ({
    fields: { count },
    message: first ? `first ${kind}` : `${count} ${kind}`,
  });
  return { t, lines, describe };
}

test('100,000 of one kind: the first at once, the rest as one counted line', () => {
  const { t, lines, describe } = tally();
  for (let i = 0; i < 100_000; i++) t.add('bad', describe('bad'));
  assert.deepEqual(
    lines.map((l) => l.message),
    ['first bad'],
  );
  t.flush();
  assert.deepEqual(
    lines.map((l) => l.message),
    ['first bad', '99999 bad'],
  );
  t.flush();
  assert.equal(lines.length, 2, 'an interval with nothing new writes nothing');
});

test('kinds are counted apart; a kind quiet for an interval is logged at once again', () => {
  const { t, lines, describe } = tally();
  t.add('a', describe('a'));
  t.add('b', describe('b'));
  t.add('a', describe('a'));
  t.flush();
  assert.deepEqual(
    lines.map((l) => l.message),
    ['first a', 'first b', '1 a'],
  );
  t.flush();
  t.add('b', describe('b'));
  assert.equal(lines.at(-1)?.message, 'first b');
});

test(`past ${MAX_KINDS} kinds, new kinds share one counted line`, () => {
  const { t, lines, describe } = tally();
  for (let i = 0; i < MAX_KINDS + 500; i++) t.add(`k${i}`, describe(`k${i}`));
  assert.equal(lines.length, MAX_KINDS);
  t.flush();
  assert.equal(lines.at(-1)?.message, '500 others');
});

test('the interval writes the counts by itself, and its timer keeps no process alive', async () => {
  const lines: TallyLine[] = [];
  const t = new Tally(
    (line) => lines.push(line),
    (count) => ({ fields: {}, message: `${count}` }),
    20,
  );
  for (let i = 0; i < 10; i++) t.add('x', (count, first) => ({ fields: {}, message: first ? 'first' : `${count} more` }));
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(
    lines.map((l) => l.message),
    ['first', '9 more'],
  );
});
