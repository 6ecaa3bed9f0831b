import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { Agent } from 'node:http';
import { afterEach, test } from 'node:test';
import { isAlive, killAll, startBrood, waitGone } from './helpers/cluster.js';
import { get } from './helpers/http.js';

afterEach(killAll);

for (const signal of ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const) {
  test(`${signal} lets a 2-second request in flight finish with 200, stops in order and exits 0`, async () => {
    const cluster = startBrood('basic');
    const started = await cluster.started();
    const keepAlive = new Agent({ keepAlive: true });
    const slow = get(`${started.url}/slow?ms=2000`, { timeout: 10_000, agent: keepAlive });
    await cluster.waitFor((l) => l.event === 'test:slow-started', 'the slow request to start');
    cluster.signal(signal);
    const reply = await slow;
    keepAlive.destroy();
    assert.equal(reply.status, 200);
    assert.equal(JSON.parse(reply.body).slept, 2000);
    assert.equal(reply.headers.connection, 'close', 'the kept-alive connection is told to close');
    const exit = await cluster.exit(15_000);
    assert.equal(exit.code, 0);
    await waitGone([started.agent, ...started.workers], 2000);
    assert.ok(![started.agent, ...started.workers].some(isAlive));

    // Workers run beforeClose before the agent does; the agent closes last.
    const closes = cluster.lines.filter((l) => l.event === 'test:before-close').map((l) => l.role);
    assert.deepEqual(closes, ['worker', 'worker', 'agent']);
    assert.ok(cluster.lines.some((l) => l.msg === `brood stopping: ${signal}`));
    assert.ok(cluster.lines.some((l) => l.event === 'stopped'));
  });
}

test('new connections are refused once the stop begins, while the in-flight one completes', async () => {
  const cluster = startBrood('basic');
  const started = await cluster.started();
  const slow = get(`${started.url}/slow?ms=1500`, { timeout: 10_000 });
  await cluster.waitFor((l) => l.event === 'test:slow-started', 'the slow request to start');
  cluster.signal('SIGTERM');
  await cluster.waitFor((l) => l.msg === 'brood stopping: SIGTERM', 'stopping line');
  await cluster.waitFor(
    () => cluster.lines.filter((l) => l.role === 'worker' && /closing/.test(l.msg ?? '')).length === 2,
    'workers closing',
  );
  await assert.rejects(get(`${started.url}/`, { timeout: 3000 }), /ECONNREFUSED|ECONNRESET|socket hang up/);
  assert.equal((await slow).status, 200);
  assert.equal((await cluster.exit(15_000)).code, 0);
});

test('SIGTERM to the whole process group stops in order: the workers close before the agent', async () => {
  const cluster = startBrood('basic');
  const started = await cluster.started();
  // systemd's default KillMode=control-group, kill -- -PGID: every process gets it.
  cluster.signalGroup('SIGTERM');
  assert.equal((await cluster.exit(15_000)).code, 0);
  await waitGone([started.agent, ...started.workers], 2000);
  const closes = cluster.lines.filter((l) => l.event === 'test:before-close').map((l) => l.role);
  assert.deepEqual(closes, ['worker', 'worker', 'agent']);
});

test('a stop signal twice at once is one graceful stop; a later one kills, and the control files go', async () => {
  const cluster = startBrood('basic');
  const started = await cluster.started();
  const slow = get(`${started.url}/slow?ms=1500`, { timeout: 10_000 });
  await cluster.waitFor((l) => l.event === 'test:slow-started', 'the slow request to start');
  // timeout(1) delivers its signal to the command and to its process group: twice.
  cluster.signal('SIGTERM');
  cluster.signal('SIGTERM');
  assert.equal((await slow).status, 200, 'the repeat did not kill the request in flight');
  assert.equal((await cluster.exit(15_000)).code, 0);

  const again = startBrood('basic');
  const second = await again.started();
  const hanging = get(`${second.url}/slow?ms=5000`, { timeout: 10_000 }).catch((error: Error) => error);
  await again.waitFor((l) => l.event === 'test:slow-started', 'the slow request to start');
  again.signal('SIGTERM');
  await again.waitFor((l) => l.msg === 'brood stopping: SIGTERM', 'stopping line');
  await new Promise((resolve) => setTimeout(resolve, 1100)); // past the window in which a repeat is the same request
  again.signal('SIGTERM');
  assert.equal((await again.exit(15_000)).code, 1);
  await hanging;
  await waitGone([second.agent, ...second.workers], 2000);
  for (const ext of ['sock', 'json']) assert.ok(!existsSync(`${again.dir}/run/${again.title}.${ext}`), `run/${again.title}.${ext} removed`);
});
