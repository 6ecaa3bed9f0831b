import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { isAlive, killAll, startBrood, waitGone } from './helpers/cluster.js';
import { get } from './helpers/http.js';
import { freshConnectionLoad } from './helpers/load.js';
import { opsApp } from './helpers/ops-app.js';
import { removeTempApps } from './helpers/temp-app.js';

afterEach(() => {
  killAll();
  removeTempApps();
});

test('maxMemory: a worker that leaks is replaced make-before-break, logged with its RSS and heap; the other keeps serving and no request fails', async () => {
  const cluster = startBrood(opsApp({ maxMemory: '160MB' }));
  const started = await cluster.started();
  const load = freshConnectionLoad(`${started.url}/`, 4);
  const leak = JSON.parse((await get(`${started.url}/leak?mb=200`)).body) as { pid: number };
  const guard = await cluster.waitFor((l) => l.event === 'guard' && l.childPid === leak.pid, 'the memory guard');
  assert.equal(guard.reason, 'memory');
  assert.ok((guard.rss as number) > 160 * 1024 * 1024, `rss ${guard.rss}`);
  assert.equal(typeof guard.heapUsed, 'number');
  assert.match(guard.msg ?? '', /uses \d+ MB of memory \(heap \d+ MB of \d+ MB\), over maxMemory 160 MB; replacing it/);
  const from = cluster.lines.indexOf(guard);
  const ready = await cluster.waitFor(
    (l) => l.role === 'master' && /^worker \d+ \(pid \d+\) ready$/.test(l.msg ?? ''),
    'the new worker',
    20_000,
    from,
  );
  const closed = await cluster.waitFor(
    (l) => l.role === 'master' && /closed; worker .* serves in its place/.test(l.msg ?? ''),
    'the old one closed',
    20_000,
    from,
  );
  assert.ok(cluster.lines.indexOf(ready) < cluster.lines.indexOf(closed), 'the new worker was ready before the old one closed');
  await waitGone([leak.pid], 5000);
  const result = await load.stop();
  assert.deepEqual(result.errors, [], 'no request failed');
  assert.equal(result.non2xx, 0);
  assert.ok(result.ok > 0);
  const pids = JSON.parse((await get(`${started.url}/users/1`)).body) as { pid: number };
  assert.notEqual(pids.pid, leak.pid);
  assert.ok(
    started.workers.some((pid) => pid !== leak.pid && isAlive(pid)),
    'the other worker was never touched',
  );
});

test('maxEventLoopBlock: a worker that spins is logged with the request it began and replaced; only its own request is lost', async () => {
  const cluster = startBrood(opsApp({ maxEventLoopBlock: 1000 }));
  const started = await cluster.started();
  const spin = get(`${started.url}/spin`, { timeout: 30_000 }).then(
    () => 'answered',
    (error: Error) => error.message,
  );
  const spinning = await cluster.waitFor((l) => l.event === 'test:spinning', 'the spin');
  const victim = spinning.pid as number;
  const load = freshConnectionLoad(`${started.url}/`, 4);
  const guard = await cluster.waitFor((l) => l.event === 'guard' && l.childPid === victim, 'the event-loop guard', 20_000);
  assert.equal(guard.reason, 'event-loop');
  assert.match(
    guard.msg ?? '',
    /has not answered the heartbeat for \d+ ms \(maxEventLoopBlock 1000\): its event loop is blocked; replacing it/,
  );
  const named = await cluster.waitFor((l) => l.event === 'blocked' && l.pid === victim, "the worker's watchdog line");
  assert.equal(named.request, 'GET /spin');
  const from = cluster.lines.indexOf(guard);
  await cluster.waitFor(
    (l) => l.role === 'master' && /killed; worker .* serves in its place/.test(l.msg ?? ''),
    'the spinning one killed',
    20_000,
    from,
  );
  await waitGone([victim], 5000);
  assert.match(await spin, /socket hang up|ECONNRESET/, 'the request that spun is lost');
  const result = await load.stop();
  // rr hands a blocked worker at most one connection it never confirms, and gives it to another worker once the blocked one is killed.
  assert.ok(result.errors.length <= 1, `requests failed: ${result.errors.join(', ')}`);
  assert.ok(result.ok > 0, 'the other worker kept serving');
  const after = await get(`${started.url}/`);
  assert.equal(after.status, 200);
  assert.ok(
    started.workers.some((pid) => pid !== victim && isAlive(pid)),
    'the other worker was never touched',
  );
});

test('maxMemory: an agent that leaks is closed and forked again; messages for it wait and reach the new one', async () => {
  const cluster = startBrood(opsApp({ maxMemory: '160MB' }));
  const started = await cluster.started();
  const leak = JSON.parse((await get(`${started.url}/agent-leak?mb=200`)).body) as { agent: number };
  assert.equal(leak.agent, started.agent);
  const guard = await cluster.waitFor((l) => l.event === 'guard' && l.childPid === started.agent, 'the memory guard');
  assert.equal(guard.reason, 'memory');
  assert.match(guard.msg ?? '', /^agent \d+ uses \d+ MB of memory/);
  await cluster.waitFor(
    (l) => l.role === 'master' && /^agent \d+ ready$/.test(l.msg ?? ''),
    'the new agent',
    20_000,
    cluster.lines.indexOf(guard),
  );
  await waitGone([started.agent], 5000);
  const hello = JSON.parse((await get(`${started.url}/agent`)).body) as { agent: number };
  assert.notEqual(hello.agent, started.agent, 'the new agent answers');
  assert.ok(started.workers.every(isAlive), 'the workers were never touched');
});
