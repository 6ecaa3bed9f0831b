/**
 * Scheduled tasks in a real cluster, one behaviour per test. Tests of one
 * `describe` share one cluster, started in `before` and killed in `after`,
 * and run in the order written: the last one of each stops or breaks it.
 * What a task file may declare is checked without a cluster in
 * packages/core/test/tasks.test.ts.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { brood, killDaemons } from './helpers/cli.js';
import { type Cluster, FIXTURES, killAll, type LogLine, type StartedLine, startBrood, waitGone } from './helpers/cluster.js';
import { removeTempApps, tempApp } from './helpers/temp-app.js';

after(removeTempApps);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const runs = (lines: LogLine[], event: string): LogLine[] => lines.filter((l) => l.event === event);
const isTaskLine = (l: LogLine): boolean => typeof l.event === 'string' && l.event.startsWith('task:');

/** One task as `brood status --json` shows it. */
interface Stats {
  name: string;
  type: string;
  enabled: boolean;
  runs: number;
  failures: number;
  skips: number;
  lastRun: { outcome: string; ms: number; at: string; error?: string } | null;
}

/** The task figures of a running cluster, through its control socket. */
async function taskStats(cluster: Cluster): Promise<Map<string, Stats>> {
  const status = await brood(['status', cluster.dir, '--title', cluster.title, '--json']);
  assert.equal(status.code, 0, status.stderr);
  const { tasks } = JSON.parse(status.stdout) as { tasks: Stats[] };
  return new Map(tasks.map((s) => [s.name, s]));
}

describe('a cluster with scheduled tasks', () => {
  let cluster: Cluster;
  let started: StartedLine;
  /** The lines logged from the start to the end of a two-second watch, and how long it lasted. */
  let watched: LogLine[];
  let elapsed: number;

  before(async () => {
    cluster = startBrood('schedule');
    started = await cluster.started();
    // The tick rate is counted over a known stretch of time: this wait is the measure, not a guess at an event.
    const from = Date.now();
    await sleep(2000);
    elapsed = Date.now() - from;
    watched = [...cluster.lines];
  });
  after(killAll);

  test('a worker task runs in one worker per tick, not in every worker', () => {
    // 200 ms interval over ~2 s: about 10 runs in total across both workers, not 10 × 2.
    const worker = runs(watched, 'task:tick-worker');
    const expected = elapsed / 200;
    assert.ok(worker.length >= expected - 4 && worker.length <= expected + 2, `${worker.length} runs of tick-worker in ${elapsed} ms`);
    assert.deepEqual(
      worker.filter((l) => l.role !== 'worker' || !started.workers.includes(l.pid as number)).map((l) => l.raw),
      [],
      'tick-worker runs in the workers',
    );
  });

  test('an all task runs once in each worker at every tick', () => {
    const all = runs(watched, 'task:tick-all');
    const perWorker = started.workers.map((pid) => all.filter((l) => l.pid === pid).length);
    assert.ok(
      perWorker.every((n) => n >= 4),
      `tick-all per worker: ${perWorker.join(', ')}`,
    );
    assert.ok(Math.abs((perWorker[0] as number) - (perWorker[1] as number)) <= 1, `tick-all per worker: ${perWorker.join(', ')}`);
  });

  test('an agent task runs in the agent', () => {
    const agent = runs(watched, 'task:tick-agent');
    assert.ok(agent.length >= 4, `${agent.length} runs of tick-agent`);
    assert.deepEqual([...new Set(agent.map((l) => `${l.role} ${l.pid}`))], [`agent ${started.agent}`]);
  });

  test('a six-field cron task runs in the agent', async () => {
    // Cron ticks at whole seconds: one may come just after the watch.
    await cluster.waitFor((l) => l.event === 'task:cron' && l.role === 'agent', 'the 6-field cron task to run', 3000);
  });

  test('no task runs before the app is ready', () => {
    const startedAt = cluster.lines.findIndex((l) => l.event === 'started');
    const firstTask = cluster.lines.findIndex(isTaskLine);
    assert.ok(firstTask > startedAt, `no task ran before the app was ready (first task line ${firstTask}, started ${startedAt})`);
  });

  test('an immediate task runs once, right after the app is ready', async () => {
    await cluster.waitFor((l) => l.event === 'task:immediate', 'the immediate task', 5000);
    assert.equal(runs(cluster.lines, 'task:immediate').length, 1);
  });

  test('disable and env switch tasks off', () => {
    assert.equal(runs(cluster.lines, 'task:disabled').length, 0);
    assert.equal(runs(cluster.lines, 'task:prod-only').length, 0, 'env: [prod] is off in env test');
  });

  test('with overlap false, the ticks that come during a run are skipped and logged', async () => {
    await cluster.waitFor(
      (l) => l.task === 'slow' && /skipped: its previous run is still going/.test(l.msg ?? ''),
      'the slow task to have skipped ticks',
      5000,
    );
  });

  test('a run past its timeout is marked failed, and counts as running until it ends', async () => {
    const timeoutLines = () =>
      cluster.lines
        .filter((l) => l.task === 'timeout')
        .map((l) => l.msg ?? '')
        .join('; ');
    await cluster
      .waitFor((l) => l.task === 'timeout' && /ran longer than its 100 ms timeout/.test(l.msg ?? ''), 'the timeout task to fail', 5000)
      .catch(() => assert.fail(`the timeout task failed: ${timeoutLines()}`));
    // With overlap false, the ticks while the late run goes on are skipped.
    await cluster
      .waitFor((l) => l.task === 'timeout' && /skipped: its previous run is still going/.test(l.msg ?? ''), 'a skipped tick', 5000)
      .catch(() => assert.fail(`a run past its timeout still counts as running: ${timeoutLines()}`));
  });

  test('an all task that fails in every worker: each worker logs its failure, the agent names both with a stack as the cause', async () => {
    const allFailed = await cluster.waitFor(
      (l) => l.role === 'agent' && l.task === 'all-throws' && l.level === 50,
      'the agent to log the all-throws failure',
      5000,
    );
    assert.match(allFailed.msg ?? '', /2 of 2 workers failed: worker \d+: the feed is down in worker \d+; worker \d+/);
    assert.match(
      String((allFailed.err as { cause?: { stack?: string } } | undefined)?.cause?.stack),
      /Error: the feed is down in worker \d+\n\s+at /,
    );
    for (const pid of started.workers) {
      assert.ok(
        cluster.lines.some((l) => l.pid === pid && l.task === 'all-throws' && /failed in this worker/.test(l.msg ?? '')),
        `worker ${pid} logged its own failure`,
      );
    }
  });

  test('a task that throws is logged with its name, duration and stack, and keeps ticking', async () => {
    const thrown = () => cluster.lines.filter((l) => l.task === 'throws' && l.level === 50);
    await cluster.waitFor(() => thrown().length >= 3, 'three failed runs of the throwing task', 5000);
    const first = thrown()[0];
    assert.equal(typeof first?.ms, 'number');
    assert.match(String((first?.err as { stack?: string } | undefined)?.stack), /Error: the upstream feed is down\n\s+at /);
  });

  test('at stop the clock stops before the workers close: no worker starts a task once it began closing', async () => {
    cluster.signal('SIGTERM');
    assert.equal((await cluster.exit()).code, 0);
    for (const pid of started.workers) {
      const closing = cluster.lines.findIndex((l) => l.pid === pid && /closing/.test(l.msg ?? ''));
      assert.notEqual(closing, -1, `worker ${pid} logged that it was closing`);
      const late = cluster.lines.slice(closing).filter((l) => l.pid === pid && isTaskLine(l));
      assert.deepEqual(late, [], `worker ${pid} started no task after it began closing`);
    }
  });
});

describe('the agent keeps the figures of each task and runs one on demand', () => {
  let cluster: Cluster;

  before(async () => {
    cluster = startBrood('schedule');
    await cluster.started();
  });
  after(killAll);

  test('runs, failures, skips and the last outcome of each task; a task switched off shows as off', async () => {
    // The figures grow with the ticks: ask until the first ticks are counted.
    const deadline = Date.now() + 10_000;
    let byName = await taskStats(cluster);
    const counted = () =>
      (byName.get('tick-worker')?.runs ?? 0) >= 2 && (byName.get('throws')?.failures ?? 0) >= 1 && (byName.get('slow')?.skips ?? 0) >= 1;
    while (!counted() && Date.now() < deadline) {
      await sleep(100);
      byName = await taskStats(cluster);
    }
    assert.ok((byName.get('tick-worker')?.runs ?? 0) >= 2);
    assert.equal(byName.get('tick-worker')?.lastRun?.outcome, 'ok');
    assert.ok((byName.get('throws')?.failures ?? 0) >= 1);
    assert.equal(byName.get('throws')?.lastRun?.outcome, 'failed');
    assert.equal(byName.get('throws')?.lastRun?.error, 'the upstream feed is down');
    assert.ok((byName.get('slow')?.skips ?? 0) >= 1);
    assert.equal(byName.get('disabled')?.enabled, false);
  });

  test('a worker task run on demand reaches ctx.service, once', async () => {
    const run = await brood(['run-task', 'service', cluster.dir, '--title', cluster.title]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^task service: ok in \d+ ms/);
    // The task's own log line comes through another process's output: wait for it.
    const line = await cluster.waitFor((l) => l.event === 'task:service', 'the service task line', 5000);
    assert.equal(line.count, 1, 'a worker task reaches ctx.service');
    assert.equal(runs(cluster.lines, 'task:service').length, 1);
  });

  test('a run whose worker dies mid-task fails, naming the process', async () => {
    const died = await brood(['run-task', 'die', cluster.dir, '--title', cluster.title]);
    assert.equal(died.code, 1);
    assert.match(died.stderr, /task die: failed: process \d+ exited before it replied/);
    await cluster.waitFor(
      (l) => l.task === 'die' && l.level === 50 && /exited before it replied/.test(l.msg ?? ''),
      'the failed run logged',
      5000,
    );
  });
});

describe('brood run-task and brood status on a daemon', () => {
  const dir = `${FIXTURES}schedule`;
  const title = `run-task-${process.pid}`;

  before(async () => {
    const started = await brood(['start', dir, '--daemon', '--port', '0', '--workers', '1', '--title', title]);
    assert.equal(started.code, 0, started.stderr);
  });
  after(async () => {
    try {
      assert.equal((await brood(['stop', dir, '--title', title])).code, 0);
    } finally {
      killDaemons();
    }
  });

  test('a task that succeeds: exit 0 and its duration', async () => {
    const ok = await brood(['run-task', 'service', dir, '--title', title]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^task service: ok in \d+ ms/);
  });

  test('a task that fails: exit 1 and its error', async () => {
    const failed = await brood(['run-task', 'throws', dir, '--title', title]);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /task throws: failed: the upstream feed is down/);
  });

  test('an unknown task name: a clear error listing the known ones', async () => {
    const unknown = await brood(['run-task', 'nope', dir, '--title', title]);
    assert.equal(unknown.code, 1);
    assert.match(
      unknown.stderr,
      /no task named nope; known tasks: all-throws, die, disabled, every-second, .*tick-worker, timeout \(ERR_BROOD_TASK_UNKNOWN\)/,
    );
  });

  test('status --json carries the task figures', async () => {
    const status = await brood(['status', dir, '--title', title, '--json']);
    const tasks = (JSON.parse(status.stdout) as { tasks: Stats[] }).tasks;
    // Run once, by the first test of this group: nothing schedules it within the hour.
    assert.ok(tasks.find((t) => t.name === 'service')?.runs === 1);
  });

  test('status shows a table of the tasks, one switched off as off', async () => {
    const human = await brood(['status', dir, '--title', title]);
    assert.match(human.stdout, /TASK\s+TYPE\s+SCOPE\s+SCHEDULE\s+STATE\s+RUNS\s+FAILURES\s+SKIPS\s+LAST RUN\s+OUTCOME\s+MS\s+NEXT RUN/);
    assert.match(human.stdout, /\ndisabled\s+worker\s+host\s+every 100ms\s+off\s+0\s+0\s+0\s+-/, 'a task switched off shows as off');
  });
});

describe('stopping a cluster', () => {
  afterEach(killAll);

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
});

// Each way a schedule can be wrong is checked on defineTask alone (packages/core/test/tasks.test.ts);
// these start apps for real, to see the refusal stop start-up and reach the user.
describe('bad task files stop start-up naming the file', () => {
  const router = 'export default () => {};\n';
  afterEach(killAll);

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
    await waitGone([...cluster.pids], 3000);
  });
});
