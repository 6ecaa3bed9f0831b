import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { killAll, startBrood, waitGone } from './helpers/cluster.js';
import { get, getJson } from './helpers/http.js';
import { removeTempApps, tempApp } from './helpers/temp-app.js';

const dirs: string[] = [];
afterEach(killAll);
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  removeTempApps();
});

/** The JSON lines of every file in `dir` whose name starts with `stem.` (rotation numbers them). */
function fileLines(dir: string, stem: string): Array<Record<string, unknown>> {
  return readdirSync(dir)
    .filter((name) => name.startsWith(`${stem}.`))
    .flatMap((name) => readFileSync(join(dir, name), 'utf8').trim().split('\n'))
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test('every stdout line is JSON with role and pid; workers add their worker id', async () => {
  const cluster = startBrood('basic');
  await cluster.started();
  await getJson(`${(await cluster.started()).url}/agent`);
  const json = cluster.lines.filter((l) => l.raw.startsWith('{'));
  assert.equal(json.length, cluster.lines.length, 'nothing but JSON lines on stdout');
  for (const line of json) {
    assert.ok(['master', 'agent', 'worker'].includes(line.role as string), line.raw);
    assert.equal(typeof line.pid, 'number');
    if (line.role === 'worker') assert.equal(typeof line.worker, 'number', line.raw);
  }
});

test('--log-dir: one file per process, each with its own lines; a reforked worker keeps its slot file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'brood-logs-'));
  dirs.push(dir);
  const cluster = startBrood('basic', ['--log-dir', dir]);
  const started = await cluster.started();
  const { pid: victim } = await getJson<{ pid: number }>(`${started.url}/crash`);
  await waitGone([victim], 5000);
  const joined = await cluster.waitFor((l) => l.role === 'master' && /^worker \d+ \(pid \d+\) ready$/.test(l.msg ?? ''), 'refork');
  const fresh = (joined.peers as { workers: number[] }).workers.find((pid) => !started.workers.includes(pid)) as number;
  cluster.signal('SIGTERM');
  assert.equal((await cluster.exit()).code, 0);

  const names = readdirSync(dir).sort();
  assert.deepEqual(names, ['agent.1.log', 'master.1.log', 'worker-1.1.log', 'worker-2.1.log']);
  assert.ok(fileLines(dir, 'master').every((l) => l.role === 'master' && l.pid === cluster.pid));
  assert.ok(fileLines(dir, 'master').some((l) => l.event === 'started'));
  assert.ok(fileLines(dir, 'agent').every((l) => l.role === 'agent' && l.pid === started.agent));
  const workerPids = new Set([...fileLines(dir, 'worker-1'), ...fileLines(dir, 'worker-2')].map((l) => l.pid));
  assert.deepEqual([...workerPids].sort(), [...started.workers, fresh].sort(), 'the reforked worker wrote to a slot file');
  for (const stem of ['worker-1', 'worker-2']) {
    assert.ok(fileLines(dir, stem).every((l) => l.role === 'worker'));
  }
  // The file holds the last lines before exit too.
  assert.ok(fileLines(dir, 'agent').some((l) => l.event === 'test:before-close'));
});

test('an error is logged with its stack and the stack of its cause', async () => {
  const cluster = startBrood('basic');
  const started = await cluster.started();
  await get(`${started.url}/cause`);
  const line = await cluster.waitFor((l) => l.level === 50 && /order could not be saved/.test(l.msg ?? ''), 'the error line', 5000);
  const err = line.err as { message: string; stack: string; cause?: { message: string; stack: string } };
  assert.match(err.stack, /Error: the order could not be saved\n\s+at /);
  assert.equal(err.cause?.message, 'connection reset by the database');
  assert.match(err.cause?.stack ?? '', /Error: connection reset by the database\n\s+at /);
  assert.equal(line.role, 'worker');
  assert.equal(typeof line.requestId, 'string');
});

test('log files rotate by size through pino-roll', async () => {
  const dir = tempApp({
    'package.json': JSON.stringify({ name: 'rotating', private: true, brood: { logDir: 'logs', logRotate: { size: '1k', limit: 2 } } }),
    'app/router.ts':
      "export default (router) => { router.get('/', (ctx) => { for (let i = 0; i < 50; i++) ctx.logger.info({ i }, 'a line long enough to fill a small file quickly'); ctx.body = 'ok'; }); };\n",
  });
  const cluster = startBrood(dir, ['--workers', '1']);
  const started = await cluster.started();
  for (let i = 0; i < 5; i++) await get(`${started.url}/`);
  cluster.signal('SIGTERM');
  assert.equal((await cluster.exit()).code, 0);
  const files = readdirSync(join(dir, 'logs')).filter((name) => name.startsWith('worker-1.'));
  assert.ok(files.length >= 2, `rotated into several files: ${files.join(', ')}`);
  assert.ok(files.length <= 3, `old files beyond the limit are removed: ${files.join(', ')}`);
});
