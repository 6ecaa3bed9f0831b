import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { killAll, startBrood, waitGone } from './helpers/cluster.js';
import { getJson } from './helpers/http.js';
import { freshConnectionLoad, keepAliveLoad } from './helpers/load.js';

afterEach(killAll);

test('SIGUSR2 reloads every worker and then the agent under keep-alive load with zero failed requests', async (t) => {
  const cluster = startBrood('basic');
  const started = await cluster.started();
  const load = keepAliveLoad(`${started.url}/`, 8);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const before = load.result.ok;
  cluster.signal('SIGUSR2');
  const reloaded = await cluster.waitFor((l) => l.event === 'reloaded', 'the reloaded line', 30_000);
  await new Promise((resolve) => setTimeout(resolve, 300));
  const result = await load.stop();
  t.diagnostic(
    `${result.ok} requests, ${result.ok - before} during and after the reload; ${result.non2xx} non-2xx, ${result.errors.length} errors`,
  );

  assert.deepEqual(result.errors, [], 'no request failed');
  assert.equal(result.non2xx, 0, 'no non-2xx response');
  assert.ok(result.ok > before, 'requests were served during the reload');

  const workers = reloaded.workers as number[];
  assert.equal(workers.length, 2);
  for (const pid of started.workers) assert.ok(!workers.includes(pid), 'every old worker was replaced');
  assert.notEqual(reloaded.agent, started.agent, 'the agent was restarted after the workers');
  await waitGone([...started.workers, started.agent], 5000);

  // Make-before-break: each new worker was ready before an old one began to close.
  const lines = cluster.lines;
  const readyAt = (pid: number) => lines.findIndex((l) => l.pid === pid && l.event === 'ready');
  const closingAt = (pid: number) => lines.findIndex((l) => l.pid === pid && /closing/.test(l.msg ?? ''));
  const [r1, r2] = workers.map(readyAt).sort((a, b) => a - b) as [number, number];
  const [c1, c2] = started.workers.map(closingAt).sort((a, b) => a - b) as [number, number];
  assert.ok(r1 >= 0 && c1 >= 0);
  assert.ok(r1 < c1, 'a new worker was ready before the first old one began to close');
  assert.ok(r2 < c2, 'the second new worker was ready before the second old one began to close');

  // The new processes serve and talk.
  const echo = await getJson<{ agent: number }>(`${started.url}/agent`);
  assert.equal(echo.agent, reloaded.agent);
});

test('reloads under load on fresh connections, round-robin: no connection is lost on a worker that is leaving', async (t) => {
  // In rr the master accepts and hands each connection to a worker; one handed to a worker
  // that has just closed its server must come back to the master and go to another worker.
  const cluster = startBrood('basic', ['--sched', 'rr']);
  const started = await cluster.started();
  const load = freshConnectionLoad(`${started.url}/`, 10);
  for (let i = 1; i <= 10; i++) {
    const seen = cluster.lines.length;
    cluster.signal('SIGUSR2');
    await cluster.waitFor((l) => l.event === 'reloaded', `reload ${i}`, 30_000, seen);
  }
  const result = await load.stop();
  t.diagnostic(`${result.ok} requests over fresh connections through 10 reloads; ${result.errors.length} errors`);
  assert.deepEqual(result.errors, [], 'no request failed or hung');
  assert.equal(result.non2xx, 0);
  assert.ok(result.ok > 0);
});
