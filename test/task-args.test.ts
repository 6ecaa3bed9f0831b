/**
 * Tasks take arguments: `app.runTask(name, args)` in the app and `brood
 * run-task <name> --data '<json>'` hand them to the task's second
 * parameter, wherever its type runs it; the generated typings check each
 * call; bad JSON is one line and runs nothing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { brood } from './helpers/cli.js';
import { BROOD_BIN, type Cluster, FIXTURES, killAll, ROOT, type StartedLine, startBrood } from './helpers/cluster.js';
import { getJson } from './helpers/http.js';

const APP = `${FIXTURES}task-args`;

interface Seen {
  task: string;
  args: unknown;
  role: 'agent' | 'worker';
  pid: number;
}
interface RunResult {
  name: string;
  outcome: string;
  ms: number;
  error?: { code: string; message: string };
}

test('the generated typings check each runTask: the name, and the arguments its task takes', () => {
  const typings = spawnSync(process.execPath, [BROOD_BIN, 'typings', APP], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(typings.status, 0, typings.stderr);
  const tsc = spawnSync(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, '-p', `${APP}/tsconfig.json`], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(tsc.status, 0, `tsc failed:\n${tsc.stdout}${tsc.stderr}`);
});

describe('a running app', () => {
  let cluster: Cluster;
  let started: StartedLine;
  before(async () => {
    cluster = startBrood(APP, ['--workers', '2']);
    started = await cluster.started();
  });
  after(killAll);

  const seen = () => getJson<Seen[]>(`${started.url}/seen`);
  const run = (name: string, args?: unknown) =>
    getJson<RunResult>(
      `${started.url}/run?name=${encodeURIComponent(name)}${args === undefined ? '' : `&args=${encodeURIComponent(JSON.stringify(args))}`}`,
    );

  test('app.runTask passes the arguments to an agent, a worker and an all task; none is undefined', async () => {
    assert.equal((await run('cleanup/old-files', { days: 7 })).outcome, 'ok');
    assert.equal((await run('cleanup/old-files')).outcome, 'ok');
    assert.equal((await run('greet', { name: 'ann' })).outcome, 'ok');
    assert.equal((await run('each', { tag: 't1' })).outcome, 'ok');
    const got = await seen();
    assert.deepEqual(
      got.filter((s) => s.task === 'cleanup/old-files').map((s) => [s.args, s.role, s.pid]),
      [
        [{ days: 7 }, 'agent', started.agent],
        [null, 'agent', started.agent],
      ],
    );
    const greet = got.filter((s) => s.task === 'greet');
    assert.deepEqual(
      greet.map((s) => [s.args, s.role]),
      [[{ name: 'ann' }, 'worker']],
    );
    assert.ok(started.workers.includes(greet[0]?.pid as number));
    const each = got.filter((s) => s.task === 'each');
    assert.deepEqual(each.map((s) => s.pid).sort(), [...started.workers].sort(), 'every worker ran it');
    for (const s of each) assert.deepEqual(s.args, { tag: 't1' });
  });

  test('brood run-task --data passes JSON; bad JSON or too long is one line, exit 1, and nothing runs', async () => {
    const title = ['--title', cluster.title];
    const ok = await brood(['run-task', 'cleanup/old-files', APP, ...title, '--data', '{"days":30}']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^task cleanup\/old-files: ok in \d+ ms\n$/);
    const each = await brood(['run-task', 'each', APP, ...title, '--data', '{"tag":"from the CLI"}']);
    assert.equal(each.code, 0, each.stderr);
    const plain = await brood(['run-task', 'plain', APP, ...title]);
    assert.equal(plain.code, 0, plain.stderr);
    const got = await seen();
    assert.deepEqual(got.filter((s) => s.task === 'cleanup/old-files').at(-1)?.args, { days: 30 });
    assert.equal(got.filter((s) => s.task === 'each' && (s.args as { tag?: string } | null)?.tag === 'from the CLI').length, 2);
    assert.deepEqual(got.filter((s) => s.task === 'plain').at(-1)?.args, null);

    const before = got.length;
    const bad = await brood(['run-task', 'cleanup/old-files', APP, ...title, '--data', '{days:30}']);
    assert.equal(bad.code, 1);
    assert.equal(bad.stdout, '');
    assert.equal(
      bad.stderr,
      `brood: --data is not JSON: Expected property name or '}' in JSON at position 1; for example --data '{"days":7}' (ERR_BROOD_TASK_ARGS_INVALID)\n`,
    );
    const long = await brood(['run-task', 'cleanup/old-files', APP, ...title, '--data', JSON.stringify({ pad: 'x'.repeat(70_000) })]);
    assert.equal(long.code, 1);
    assert.equal(long.stderr, 'brood: --data is 70010 characters long; at most 65536 (ERR_BROOD_TASK_ARGS_INVALID)\n');
    // Bad JSON is refused before anything is asked: even of a folder with no app.
    const nowhere = await brood(['run-task', 'x', '/nonexistent-brood-app', '--data', '[']);
    assert.match(nowhere.stderr, /^brood: --data is not JSON: .*\(ERR_BROOD_TASK_ARGS_INVALID\)\n$/);
    assert.equal((await seen()).length, before, 'nothing ran');
  });
});
