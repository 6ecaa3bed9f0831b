/**
 * TaskRuns, what a closing agent or worker waits for: the runs under way,
 * within a bound, each one still going then named as cut off.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger, TaskRuns } from '@brood/core';

/** A logger whose JSON lines land in `lines`. */
function capture() {
  const lines: Array<{ level: number; msg: string; task?: string; event?: string }> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger({ role: 'agent', level: 'info', destination: stream }) };
}

test('a drain waits for the runs under way and refuses new ones', async () => {
  const { lines, logger } = capture();
  const runs = new TaskRuns();
  let finish: () => void = () => {};
  runs.track('report', new Promise<void>((resolve) => (finish = resolve)));
  runs.track('failing', Promise.reject(new Error('no')));
  assert.equal(runs.size, 2);
  const drained = runs.drain(60_000, logger, 'agent');
  assert.equal(runs.closed, true);
  finish();
  await drained;
  assert.equal(runs.size, 0);
  assert.equal(lines.filter((l) => l.event === 'task-cut-off').length, 0);
  assert.match(lines[0]?.msg ?? '', /^waiting up to 60000 ms for the task runs under way: report(, failing)?$/);
});

test('a run still going at the bound is logged as cut off, by name; nothing under way says nothing', async () => {
  const { lines, logger } = capture();
  const runs = new TaskRuns();
  runs.track('stuck', new Promise(() => {}));
  await runs.drain(20, logger, 'worker');
  const cut = lines.filter((l) => l.event === 'task-cut-off');
  assert.equal(cut.length, 1);
  assert.equal(cut[0]?.level, 40);
  assert.equal(cut[0]?.task, 'stuck');
  assert.match(
    cut[0]?.msg ?? '',
    /^task stuck cut off: still running after \d+ ms when the worker closed \(it waited 20 ms, within shutdownTimeout\)$/,
  );
  const quiet = capture();
  await new TaskRuns().drain(20, quiet.logger, 'agent');
  assert.deepEqual(quiet.lines, []);
});
