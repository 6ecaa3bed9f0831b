import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, test } from 'node:test';
import type { StatusResult } from '@brood/master';
import { brood } from './helpers/cli.js';
import { BROOD_BIN, killAll, startBrood } from './helpers/cluster.js';
import { get } from './helpers/http.js';
import { opsApp } from './helpers/ops-app.js';
import { removeTempApps } from './helpers/temp-app.js';

afterEach(() => {
  killAll();
  removeTempApps();
});

async function statusOf(dir: string, title: string): Promise<StatusResult> {
  const run = await brood(['status', dir, '--title', title, '--json']);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as StatusResult;
}

/** Asks for the status until `done` says so; bounded. */
async function statusUntil(dir: string, title: string, done: (status: StatusResult) => boolean, what: string): Promise<StatusResult> {
  const deadline = performance.now() + 20_000;
  for (;;) {
    const status = await statusOf(dir, title);
    if (done(status)) return status;
    if (performance.now() > deadline) throw new Error(`status never showed ${what}: ${JSON.stringify(status.processes)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('status shows heap and event-loop lag from the heartbeat, and CPU over the last seconds: a worker that burns shows it while it burns, not once idle again', async () => {
  const cluster = startBrood(opsApp());
  const started = await cluster.started();
  const status = await statusUntil(
    cluster.dir,
    cluster.title,
    (s) => s.processes.every((p) => p.role === 'master' || (p.heapUsed !== null && p.lag !== null)),
    'heap and lag',
  );
  for (const p of status.processes) {
    assert.ok((p.heapUsed as number) > 1_000_000 && (p.heapTotal as number) >= (p.heapUsed as number), `${p.role} heap`);
    if (p.role !== 'master') assert.ok((p.lag as number) >= 0, `${p.role} lag`);
  }
  // A worker that burns CPU for a while. The machine may be shared: no figure is assumed, only comparisons.
  const burning = get(`${started.url}/burn?ms=6000`, { timeout: 30_000 });
  const workersOf = (s: StatusResult) => s.processes.filter((p) => p.role === 'worker');
  const hot = await statusUntil(
    cluster.dir,
    cluster.title,
    (s) => {
      const [a, b] = workersOf(s)
        .map((p) => p.cpu)
        .sort((x, y) => y - x);
      return (a as number) > 5 && (a as number) > 3 * (b as number);
    },
    'one worker busier than the other',
  );
  const burner = JSON.parse((await burning).body) as { pid: number };
  const hottest = workersOf(hot).sort((x, y) => y.cpu - x.cpu)[0];
  assert.equal(hottest?.pid, burner.pid, 'the busy one is the worker that burned');
  // Once it is idle again its figure falls below its average since start: the figure is recent, not a life's average.
  await statusUntil(
    cluster.dir,
    cluster.title,
    (s) => {
      const p = s.processes.find((q) => q.pid === burner.pid);
      return p !== undefined && p.cpu < lifetimeCpu(burner.pid) / 2;
    },
    'the idle figure',
  );
});

/** % of one core a process used since it started, from /proc/<pid>/stat. */
function lifetimeCpu(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const boot = Number(/btime (\d+)/.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
  const uptime = Date.now() / 1000 - (boot + Number(fields[19]) / 100);
  return (ticks / 100 / uptime) * 100;
}

test('status --watch redraws every 2 s until Ctrl-C, then exits 0', async () => {
  const cluster = startBrood(opsApp());
  await cluster.started();
  const watch = spawn(process.execPath, [BROOD_BIN, 'status', cluster.dir, '--title', cluster.title, '--watch'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  const twice = new Promise<void>((resolve) => {
    watch.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if ((stdout.match(/^ROLE/gm) ?? []).length >= 2) resolve();
    });
  });
  const exited = new Promise<number | null>((resolve) => watch.on('exit', (code) => resolve(code)));
  const timer = setTimeout(() => watch.kill('SIGKILL'), 15_000);
  try {
    await Promise.race([twice, exited.then(() => assert.fail(`watch exited early:\n${stdout}`))]);
    watch.kill('SIGINT');
    assert.equal(await exited, 0);
  } finally {
    clearTimeout(timer);
    watch.kill('SIGKILL');
  }
  assert.match(stdout, /ROLE\s+PID\s+STATE\s+UPTIME\s+RESTARTS\s+CPU\s+RSS\s+HEAP\s+LAG/);
  assert.match(stdout, /^read at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/m, 'off a terminal, each table says when it was read');
  assert.match(stdout, /^worker\s+\d+\s+ready\s+\S+\s+0\s+[\d.]+%\s+[\d.]+ MB\s+[\d.]+ MB\/[\d.]+ MB\s+[\d.]+ ms$/m);
});
