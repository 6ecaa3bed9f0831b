/**
 * `brood logs` on real daemons: the last lines, by role, pretty, and
 * followed across the rotation of the daemon's output files; a line is
 * written once with a log folder; `brood dev` prints one line per event
 * with the access log on; the access log is off in production.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { brood, killDaemons } from './helpers/cli.js';
import { BROOD_BIN, Cluster, killAll, startBrood } from './helpers/cluster.js';
import { get } from './helpers/http.js';
import { removeTempApps, tempApp } from './helpers/temp-app.js';

afterEach(() => {
  killAll();
  killDaemons();
});
after(removeTempApps);

/** An app whose `GET /say/:n` logs one line of about 200 bytes carrying n. */
function sayingApp(options: object = {}, files: Record<string, string> = {}): string {
  return tempApp({
    'package.json': JSON.stringify({ name: 'logs', private: true, brood: options }),
    'app/router.ts': `export default (router, app) => {
  router.get('/say/:n', (ctx) => {
    app.logger.info({ event: 'said', n: Number(ctx.params.n) }, 'a line long enough to fill a small file in a few requests: said ' + ctx.params.n);
    ctx.body = 'ok';
  });
};
`,
    ...files,
  });
}

/** Starts `dir` as a daemon on a free port and returns its URL. */
async function daemon(dir: string, args: string[] = []): Promise<string> {
  const run = await brood(['start', dir, '--daemon', '--port', '0', '--workers', '1', ...args], { timeout: 60_000 });
  assert.equal(run.code, 0, run.stderr);
  return (/started in the background: (\S+)/.exec(run.stdout) as RegExpExecArray)[1] as string;
}

const jsonLines = (text: string): Array<Record<string, unknown>> =>
  text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/** Polls `check` every 20 ms until it is true; fails after `timeout` ms naming `what`. */
async function until(check: () => boolean, what: string, timeout = 15_000): Promise<void> {
  const deadline = performance.now() + timeout;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('brood logs prints the last lines of a daemon, by role and pretty, and follows them across the rotation of its output', async () => {
  const dir = sayingApp({ logRotate: { size: '2k', limit: 10 } });
  const url = await daemon(dir);

  const last = await brood(['logs', dir, '-n', '3']);
  assert.equal(last.code, 0, last.stderr);
  assert.equal(jsonLines(last.stdout).length, 3, last.stdout);
  const all = jsonLines((await brood(['logs', dir, '-n', '1000'])).stdout);
  assert.ok(
    all.some((line) => line.event === 'started'),
    'the started line is among them',
  );
  const agent = jsonLines((await brood(['logs', dir, '-n', '1', '--role', 'agent'])).stdout);
  assert.equal(agent.length, 1);
  assert.ok(agent.every((line) => line.role === 'agent'));
  assert.ok(all.filter((line) => line.role !== 'agent').length > 1, 'lines of other roles were passed over');
  const times = all.map((line) => line.time as number);
  assert.deepEqual(
    times,
    [...times].sort((a, b) => a - b),
    'merged by time',
  );

  const pretty = (await brood(['logs', dir, '-n', '1000', '--pretty'])).stdout.trimEnd().split('\n');
  assert.ok(
    pretty.every((line) => /^\[\d\d:\d\d:\d\d\.\d{3}\] (INFO|WARN|DEBUG): (master|agent|worker#\d+) \d+ \| /.test(line)),
    pretty.join('\n'),
  );
  assert.ok(
    pretty.some((line) => / \| >>> brood started: http/.test(line)),
    'the started line stands out',
  );

  // -n 1 prints a line first: the follower is reading from then on.
  const follower = new Cluster(process.execPath, [BROOD_BIN, 'logs', dir, '-f', '-n', '1']);
  await follower.waitFor(() => true, 'the first line');
  const said = (): number[] => follower.lines.filter((line) => line.event === 'said').map((line) => line.n as number);
  const logs = join(dir, 'logs');
  const copies = (): string[] =>
    readdirSync(logs)
      .filter((name) => /^default\.stdout\.log\.\d+$/.test(name))
      .sort((a, b) => Number(a.split('.').pop()) - Number(b.split('.').pop()));
  // Bursts of about 2.7 kB, each waited for until the master rotated the file.
  for (let burst = 0; burst < 3; burst++) {
    const before = copies().length;
    for (let i = 1; i <= 16; i++) await get(`${url}/say/${burst * 16 + i}`);
    await until(() => copies().length > before, `a rotation after burst ${burst + 1}`);
  }
  // What the files hold, copies first: a line written in the instant of a copy may be in none (docs/logging.md).
  const written = (): number[] =>
    [...copies(), 'default.stdout.log']
      .flatMap((name) => jsonLines(readFileSync(join(logs, name), 'utf8')))
      .filter((line) => line.event === 'said')
      .map((line) => line.n as number);
  await until(() => said().length >= written().length, 'the follower to print every line written');
  assert.deepEqual(said(), written(), 'every line once, in order, across the rotations');
  assert.ok(written().length >= 40, `nearly every line was kept: ${written().length} of 48`);
  assert.equal((await brood(['stop', dir])).code, 0);
});

test('with --log-dir a daemon writes each line once, to its process file; brood logs reads them there', async () => {
  const dir = sayingApp();
  const url = await daemon(dir, ['--log-dir', 'lg']);
  await get(`${url}/say/1`);
  const workers = await brood(['logs', dir, '--role', 'worker', '-n', '50']);
  assert.ok(
    jsonLines(workers.stdout).some((line) => line.event === 'said'),
    workers.stdout,
  );
  assert.ok(jsonLines(workers.stdout).every((line) => line.role === 'worker'));
  assert.equal((await brood(['stop', dir])).code, 0);
  const files = readdirSync(join(dir, 'lg')).sort();
  assert.deepEqual(files, ['agent.1.log', 'default.stderr.log', 'default.stdout.log', 'master.1.log', 'worker-1.1.log']);
  assert.equal(jsonLines(readFileSync(join(dir, 'lg', 'default.stdout.log'), 'utf8')).length, 0, 'no log line in the daemon output');
  assert.ok(jsonLines(readFileSync(join(dir, 'lg', 'worker-1.1.log'), 'utf8')).some((line) => line.event === 'said'));
  assert.ok(jsonLines(readFileSync(join(dir, 'lg', 'master.1.log'), 'utf8')).some((line) => line.event === 'stopped'));
});

test('brood logs with nothing to read says where it looked and exits 1', async () => {
  const dir = sayingApp();
  const run = await brood(['logs', dir]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^brood: no logs of brood 'default' in .*: nothing in .*default\.stdout\.log, .*default\.stderr\.log/);
});

test('brood dev: one line per event, the started line marked, an access line per request', async () => {
  const dir = sayingApp();
  const cluster = new Cluster(process.execPath, [BROOD_BIN, 'dev', dir, '--port', '0'], { BROOD_ENV: '' });
  const started = await cluster.waitFor((line) => / \| >>> brood started: /.test(line.raw), 'the started line', 30_000);
  const url = (/(http:\/\/\S+),/.exec(started.raw) as RegExpExecArray)[1] as string;
  await get(`${url}/say/7?token=secret`);
  const access = await cluster.waitFor((line) => / \| GET \/say\/7 200 [\d.]+ms /.test(line.raw), 'the access line');
  assert.match(access.raw, /"requestId":"[0-9a-f]{12}-\d+"/);
  assert.doesNotMatch(access.raw, /secret/, 'the query is not logged');
  assert.doesNotMatch(started.raw, /\{"url"/, 'the started line does not repeat its fields');
  assert.ok(
    cluster.lines.every((line) => /^\[\d\d:\d\d:\d\d\.\d{3}\] /.test(line.raw)),
    `every line is one event:\n${cluster.output()}`,
  );
});

test('the access log is off in production unless config.accessLog.enable says so', async () => {
  const off = startBrood(sayingApp(), ['--workers', '1']);
  await get(`${(await off.started()).url}/say/1`);
  const on = startBrood(sayingApp({}, { 'config/config.default.ts': 'export default { accessLog: { enable: true } };\n' }), [
    '--workers',
    '1',
  ]);
  await get(`${(await on.started()).url}/say/2`);
  const line = await on.waitFor((l) => l.path === '/say/2', 'the access line');
  assert.deepEqual([line.method, line.status, typeof line.ms, typeof line.requestId], ['GET', 200, 'number', 'string']);
  await off.waitFor((l) => l.event === 'said', 'the app line');
  assert.ok(!off.lines.some((l) => l.path !== undefined && l.status !== undefined), 'no access line');
});
