import assert from 'node:assert/strict';
import { after, afterEach, describe, test } from 'node:test';
import { brood, killDaemons } from './helpers/cli.js';
import { type Cluster, FIXTURES, killAll, type LogLine, startBrood, waitGone } from './helpers/cluster.js';
import { getJson } from './helpers/http.js';
import { removeTempApps, tempApp } from './helpers/temp-app.js';

afterEach(killAll);
afterEach(killDaemons);
after(removeTempApps);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const runs = (cluster: Cluster, event: string): LogLine[] => cluster.lines.filter((l) => l.event === event);

interface Stats {
  name: string;
  type: string;
  enabled: boolean;
  runs: number;
  failures: number;
  skips: number;
  lastRun: { outcome: string; ms: number; at: string; error?: string } | null;
}

describe('a cluster with scheduled tasks', () => {
  test('ticks: worker tasks run in one worker per tick, all in every worker, agent in the agent; only after app-ready; none after the stop began', async () => {
    const cluster = startBrood('schedule');
    const started = await cluster.started();
    const startedAt = cluster.lines.findIndex((l) => l.event === 'started');
    const from = Date.now();
    await sleep(2000);
    const elapsed = Date.now() - from;

    // 200 ms interval over ~2 s: about 10 runs in total across both workers, not 10 × 2.
    const worker = runs(cluster, 'task:tick-worker');
    const expected = elapsed / 200;
    assert.ok(worker.length >= expected - 4 && worker.length <= expected + 2, `${worker.length} runs of tick-worker in ${elapsed} ms`);
    assert.deepEqual(
      worker.filter((l) => l.role !== 'worker' || !started.workers.includes(l.pid as number)).map((l) => l.raw),
      [],
      'tick-worker runs in the workers',
    );

    // type all: every tick runs once in each worker.
    const all = runs(cluster, 'task:tick-all');
    const perWorker = started.workers.map((pid) => all.filter((l) => l.pid === pid).length);
    assert.ok(
      perWorker.every((n) => n >= 4),
      `tick-all per worker: ${perWorker.join(', ')}`,
    );
    assert.ok(Math.abs((perWorker[0] as number) - (perWorker[1] as number)) <= 1, `tick-all per worker: ${perWorker.join(', ')}`);

    const agent = runs(cluster, 'task:tick-agent');
    assert.ok(agent.length >= 4, `${agent.length} runs of tick-agent`);
    assert.deepEqual([...new Set(agent.map((l) => `${l.role} ${l.pid}`))], [`agent ${started.agent}`]);
    // Cron ticks at whole seconds: give it one more.
    await cluster.waitFor((l) => l.event === 'task:cron' && l.role === 'agent', 'the 6-field cron task to run', 3000);

    // Nothing before app-ready.
    const firstTask = cluster.lines.findIndex((l) => typeof l.event === 'string' && l.event.startsWith('task:'));
    assert.ok(firstTask > startedAt, `no task ran before the app was ready (first task line ${firstTask}, started ${startedAt})`);

    // immediate: once, right after app-ready; disable and env switch tasks off.
    assert.equal(runs(cluster, 'task:immediate').length, 1);
    assert.equal(runs(cluster, 'task:disabled').length, 0);
    assert.equal(runs(cluster, 'task:prod-only').length, 0, 'env: [prod] is off in env test');

    // overlap false: ticks during a run are skipped and logged.
    assert.ok(
      cluster.lines.some((l) => l.task === 'slow' && /skipped: its previous run is still going/.test(l.msg ?? '')),
      'the slow task had skipped ticks',
    );
    // timeout: marked failed; the run goes on, and with overlap false the ticks meanwhile are skipped.
    const timeoutLines = cluster.lines.filter((l) => l.task === 'timeout').map((l) => l.msg ?? '');
    assert.ok(
      timeoutLines.some((msg) => /ran longer than its 100 ms timeout/.test(msg)),
      `the timeout task failed: ${timeoutLines.join('; ')}`,
    );
    assert.ok(
      timeoutLines.some((msg) => /skipped: its previous run is still going/.test(msg)),
      `a run past its timeout still counts as running: ${timeoutLines.join('; ')}`,
    );
    // An all task failing in every worker: each worker logs its failure, the agent names both,
    // with a worker's stack as the cause.
    const allFailed = cluster.lines.find((l) => l.role === 'agent' && l.task === 'all-throws' && l.level === 50);
    assert.match(allFailed?.msg ?? '', /2 of 2 workers failed: worker \d+: the feed is down in worker \d+; worker \d+/);
    assert.match(
      String((allFailed?.err as { cause?: { stack?: string } } | undefined)?.cause?.stack),
      /Error: the feed is down in worker \d+\n\s+at /,
    );
    for (const pid of started.workers) {
      assert.ok(
        cluster.lines.some((l) => l.pid === pid && l.task === 'all-throws' && /failed in this worker/.test(l.msg ?? '')),
        `worker ${pid} logged its own failure`,
      );
    }
    // A throwing task is logged with its name, duration and stack, and keeps ticking.
    const thrown = cluster.lines.filter((l) => l.task === 'throws' && l.level === 50);
    assert.ok(thrown.length >= 3, 'the throwing task kept ticking');
    assert.equal(typeof thrown[0]?.ms, 'number');
    assert.match(String((thrown[0]?.err as { stack?: string } | undefined)?.stack), /Error: the upstream feed is down\n\s+at /);

    // Stop: the clock stops before the workers close; no worker starts a task once it began closing.
    cluster.signal('SIGTERM');
    assert.equal((await cluster.exit()).code, 0);
    for (const pid of started.workers) {
      const closing = cluster.lines.findIndex((l) => l.pid === pid && /closing/.test(l.msg ?? ''));
      const late = cluster.lines.slice(closing).filter((l) => l.pid === pid && typeof l.event === 'string' && l.event.startsWith('task:'));
      assert.deepEqual(late, [], `worker ${pid} started no task after it began closing`);
    }
  });

  test('the agent keeps figures per task, runs one on demand, and names a worker that died mid-task', async () => {
    const cluster = startBrood('schedule');
    const { url } = await cluster.started();
    await sleep(800);
    const status = await brood(['status', cluster.dir, '--title', cluster.title, '--json']);
    const list = (JSON.parse(status.stdout) as { tasks: Stats[] }).tasks;
    const byName = new Map(list.map((s) => [s.name, s]));
    assert.ok((byName.get('tick-worker')?.runs ?? 0) >= 2);
    assert.equal(byName.get('tick-worker')?.lastRun?.outcome, 'ok');
    assert.ok((byName.get('throws')?.failures ?? 0) >= 1);
    assert.equal(byName.get('throws')?.lastRun?.outcome, 'failed');
    assert.equal(byName.get('throws')?.lastRun?.error, 'the upstream feed is down');
    assert.ok((byName.get('slow')?.skips ?? 0) >= 1);
    assert.equal(byName.get('disabled')?.enabled, false);

    const service = await getJson<{ outcome: string }>(`${url}/run/service`);
    assert.equal(service.outcome, 'ok');
    // The task's own log line comes through another process's output: wait for it.
    const line = await cluster.waitFor((l) => l.event === 'task:service', 'the service task line', 5000);
    assert.equal(line.count, 1, 'a worker task reaches ctx.service');
    assert.equal(runs(cluster, 'task:service').length, 1);

    // Through the control socket: the HTTP request could land on the very worker the task kills.
    const died = await brood(['run-task', 'die', cluster.dir, '--title', cluster.title]);
    assert.equal(died.code, 1);
    assert.match(died.stderr, /task die: failed: process \d+ exited before it replied/);
    await cluster.waitFor(
      (l) => l.task === 'die' && l.level === 50 && /exited before it replied/.test(l.msg ?? ''),
      'the failed run logged',
      5000,
    );
  });

  test('brood run-task: 0 on success, 1 on failure, a clear error for an unknown name; status shows task figures', async () => {
    const dir = `${FIXTURES}schedule`;
    const title = `run-task-${process.pid}`;
    const started = await brood(['start', dir, '--daemon', '--port', '0', '--workers', '1', '--title', title]);
    assert.equal(started.code, 0, started.stderr);
    const ok = await brood(['run-task', 'service', dir, '--title', title]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^task service: ok in \d+ ms/);
    const failed = await brood(['run-task', 'throws', dir, '--title', title]);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /task throws: failed: the upstream feed is down/);
    const unknown = await brood(['run-task', 'nope', dir, '--title', title]);
    assert.equal(unknown.code, 1);
    assert.match(
      unknown.stderr,
      /no task named nope; known tasks: all-throws, die, disabled, every-second, .*tick-worker, timeout \(ERR_BROOD_TASK_UNKNOWN\)/,
    );
    const status = await brood(['status', dir, '--title', title, '--json']);
    const tasks = (JSON.parse(status.stdout) as { tasks: Stats[] }).tasks;
    assert.ok(tasks.find((t) => t.name === 'service')?.runs === 1);
    const human = await brood(['status', dir, '--title', title]);
    assert.match(human.stdout, /TASK\s+TYPE\s+SCHEDULE\s+STATE\s+RUNS\s+FAILURES\s+SKIPS\s+LAST RUN\s+OUTCOME\s+MS\s+NEXT RUN/);
    assert.match(human.stdout, /\ndisabled\s+worker\s+every 100ms\s+off\s+0\s+0\s+0\s+-/, 'a task switched off shows as off');
    assert.equal((await brood(['stop', dir, '--title', title])).code, 0);
  });
});

test('a stop lets the task runs under way in the workers finish', async () => {
  const dir = tempApp({
    'app/router.ts': 'export default () => {};\n',
    'app/schedule/long.ts': [
      "export const schedule = { interval: '1h', type: 'worker', immediate: true };",
      'export async function task(ctx: { logger: { info(o: object, m: string): void } }) {',
      "  ctx.logger.info({ event: 'task:long-start' }, 'long started');",
      '  await new Promise((resolve) => setTimeout(resolve, 1500));',
      "  ctx.logger.info({ event: 'task:long-done' }, 'long done');",
      '}',
      '',
    ].join('\n'),
  });
  const cluster = startBrood(dir);
  await cluster.started();
  await cluster.waitFor((l) => l.event === 'task:long-start', 'the long task to start', 5000);
  cluster.signal('SIGTERM');
  assert.equal((await cluster.exit()).code, 0);
  assert.ok(
    cluster.lines.some((l) => l.event === 'task:long-done'),
    `the run finished before its worker exited:\n${cluster.lines.map((l) => l.raw).join('\n')}`,
  );
  assert.deepEqual(
    cluster.lines.filter((l) => l.task === 'long' && (l.level ?? 0) >= 50).map((l) => l.msg),
    [],
    'no failure was logged for it',
  );
});

describe('bad task files stop start-up naming the file', () => {
  const router = 'export default () => {};\n';
  test('a bad cron expression', async () => {
    const dir = tempApp({
      'app/router.ts': router,
      'app/schedule/report.ts': "export const schedule = { cron: '61 * * * * *' };\nexport async function task() {}\n",
    });
    const cluster = startBrood(dir);
    assert.equal((await cluster.exit()).code, 1);
    assert.match(cluster.stderr, /app\/schedule\/report\.ts: bad cron expression "61 \* \* \* \* \*".*\(ERR_BROOD_TASK_INVALID\)/);
    await waitGone([...cluster.pids], 3000);
  });

  test('a task with neither interval nor cron', async () => {
    const dir = tempApp({
      'app/router.ts': router,
      'app/schedule/report.ts': "export const schedule = { type: 'worker' };\nexport async function task() {}\n",
    });
    const cluster = startBrood(dir);
    assert.equal((await cluster.exit()).code, 1);
    assert.match(
      cluster.stderr,
      /app\/schedule\/report\.ts: the schedule needs an interval or a cron expression \(ERR_BROOD_TASK_INVALID\)/,
    );
  });

  const cases: Array<[string, string, RegExp]> = [
    ['an unknown time zone', "{ cron: '* * * * * *', timezone: 'Mars/Olympus' }", /bad time zone "Mars\/Olympus"/],
    ['a time zone without cron', "{ interval: '1s', timezone: 'Europe/Paris' }", /timezone applies to cron only/],
    ['an interval longer than a timer can wait', "{ interval: '25d' }", /interval must be at most 2147483647 ms/],
    ['a timeout longer than a timer can wait', "{ interval: '1s', timeout: '30d' }", /timeout must be at most/],
    ['an unknown option', "{ interval: '1s', tyep: 'agent' }", /unknown schedule option tyep/],
    ['a flag that is not a boolean', "{ interval: '1s', disable: 'true' }", /disable must be true or false, got "true"/],
    ['env that is not a list', "{ interval: '1s', env: 'prod' }", /env must be an array of environment names/],
  ];
  for (const [name, schedule, reason] of cases) {
    test(name, async () => {
      const dir = tempApp({
        'app/router.ts': router,
        'app/schedule/report.ts': `export const schedule = ${schedule};\nexport async function task() {}\n`,
      });
      const cluster = startBrood(dir);
      assert.equal((await cluster.exit()).code, 1);
      assert.match(cluster.stderr, /app\/schedule\/report\.ts: /);
      assert.match(cluster.stderr, reason);
      assert.match(cluster.stderr, /\(ERR_BROOD_TASK_INVALID\)/);
      await waitGone([...cluster.pids], 3000);
    });
  }
});
