import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { afterEach, test } from 'node:test';
import { killAll, startBrood } from './helpers/cluster.js';
import { get, type Reply } from './helpers/http.js';
import { opsApp } from './helpers/ops-app.js';
import { removeTempApps } from './helpers/temp-app.js';

afterEach(() => {
  killAll();
  removeTempApps();
});

/** A port nobody listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A probe's status; the error code of a connection nobody accepted; `held` when no answer came within 2 s. */
async function probe(url: string): Promise<number | string> {
  try {
    return (await get(url, { timeout: 2000 })).status;
  } catch (error) {
    const code = (error as { code?: string }).code;
    return code ?? (/timed out/.test(String(error)) ? 'held' : String(error));
  }
}

/** Probes `url` until `done` says so; every answer in order. Bounded by `timeout`. */
async function probeUntil(url: string, done: (answer: number | string) => boolean, timeout = 20_000): Promise<Array<number | string>> {
  const answers: Array<number | string> = [];
  const deadline = performance.now() + timeout;
  for (;;) {
    const answer = await probe(url);
    answers.push(answer);
    if (done(answer)) return answers;
    if (performance.now() > deadline) throw new Error(`${url} never answered as expected: ${answers.slice(-10).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('on the app port: /readyz is never 200 during start-up (refused, held by the master, or 503) and 200 once every worker is ready; /healthz is 200; the app never sees them', async () => {
  const port = await freePort();
  // The second worker boots 1.5 s later than the first: the first listens while the app is not ready.
  const cluster = startBrood(opsApp(), ['--port', String(port)], { TEST_SLOW_WORKER_MS: '1500' });
  const base = `http://127.0.0.1:${port}`;
  const answers = await probeUntil(`${base}/readyz`, (answer) => answer === 200);
  const before = answers.slice(0, -1);
  // Refused before the master binds the port; held by the master until a worker is ready; then 503 until the app is.
  assert.ok(
    before.every((answer) => answer === 503 || answer === 'ECONNREFUSED' || answer === 'held'),
    `before ready: ${[...new Set(before)].join(', ')}`,
  );
  assert.ok(before.includes(503), 'a listening worker answered 503 while the app was not ready');
  await cluster.started();
  const ready: Reply = await get(`${base}/readyz`);
  assert.equal(ready.status, 200);
  assert.equal(ready.body, 'ready\n', 'the probe, not the app route of the same path, answered');
  assert.equal(ready.headers['cache-control'], 'no-store');
  const live = await get(`${base}/healthz?from=kubelet`);
  assert.equal(live.status, 200);
  assert.equal(live.body, 'live\n');
  assert.equal((await get(`${base}/`)).status, 200);
});

test('SIGTERM: /readyz turns 503 at once while the workers still serve for readinessDrainDelay, and the request in flight is answered', async () => {
  const cluster = startBrood(opsApp({ readinessDrainDelay: 3000 }));
  const started = await cluster.started();
  const slow = get(`${started.url}/slow?ms=2500`, { timeout: 15_000 });
  await cluster.waitFor((l) => l.event === 'test:slow-started', 'the slow request to start');
  assert.equal((await get(`${started.url}/readyz`)).status, 200);
  const signalled = performance.now();
  cluster.signal('SIGTERM');
  await probeUntil(`${started.url}/readyz`, (answer) => answer === 503, 5000);
  const notReadyAfter = performance.now() - signalled;
  // During the drain delay the app still serves new requests: the load balancer stops sending first.
  const during = await get(`${started.url}/`);
  assert.equal(during.status, 200, 'a new request during readinessDrainDelay is served');
  const closing = cluster.lines.findIndex((l) => l.role === 'worker' && /closing/.test(l.msg ?? ''));
  assert.equal(closing, -1, `no worker closes during readinessDrainDelay (readiness was 503 after ${Math.round(notReadyAfter)} ms)`);
  await cluster.waitFor((l) => l.role === 'master' && /readinessDrainDelay/.test(l.msg ?? ''), 'the drain delay line');
  const reply = await slow;
  assert.equal(reply.status, 200, 'the request in flight is answered');
  assert.equal(JSON.parse(reply.body).slept, 2500);
  assert.equal((await cluster.exit(20_000)).code, 0);
});

test('a management port: the master answers the probes for the instance, during start-up and the stop; the app port leaves those paths to the app', async () => {
  const cluster = startBrood(opsApp({ managementPort: 0, readinessDrainDelay: 3000, health: { readiness: '/ready' } }), [], {
    TEST_SLOW_WORKER_MS: '1500',
  });
  const line = await cluster.waitFor((l) => l.event === 'management', 'the management port line');
  const management = line.url as string;
  // Start-up: the management port answers before any worker listens.
  const startup = await probe(`${management}/ready`);
  assert.equal(startup, 503, 'not ready while starting');
  assert.equal((await get(`${management}/healthz`)).status, 200, 'live while starting');
  const started = await cluster.started();
  assert.equal((await get(`${management}/ready`)).status, 200);
  assert.equal((await get(`${management}/readyz`)).status, 404, 'the path is configurable');
  assert.equal((await get(`${management}/metrics`)).status, 404, 'metrics are off by default');
  const appPort = await get(`${started.url}/readyz`);
  assert.equal(appPort.body, 'the app', 'with a management port, the app port does not answer probes');
  cluster.signal('SIGTERM');
  await probeUntil(`${management}/ready`, (answer) => answer === 503, 5000);
  const live = await get(`${management}/healthz`);
  assert.equal(live.status, 200, 'a stopping instance is still live');
  assert.equal((await cluster.exit(20_000)).code, 0);
  assert.equal(await probe(`${management}/healthz`), 'ECONNREFUSED', 'the management port closes with the master');
});

test('liveness on the management port fails while the master has lost its workers, and comes back when they are replaced', async () => {
  const cluster = startBrood(opsApp({ managementPort: 0 }));
  const started = await cluster.started();
  const management = (cluster.lines.find((l) => l.event === 'management') as { url: string }).url;
  assert.equal((await get(`${management}/healthz`)).status, 200);
  for (const pid of started.workers) process.kill(pid, 'SIGKILL');
  let failed: Reply | undefined;
  const deadline = performance.now() + 10_000;
  while (failed === undefined) {
    assert.ok(performance.now() < deadline, 'liveness never failed');
    const reply = await get(`${management}/healthz`);
    if (reply.status === 503) failed = reply;
    else await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(failed.body, 'no worker is ready\n');
  await probeUntil(`${management}/healthz`, (answer) => answer === 200, 20_000);
  assert.equal((await get(`${management}/readyz`)).status, 200, 'ready again with the new workers');
});

test('health: false switches the probes off; bad probe settings and a management port in use stop start-up with one line', async () => {
  const cluster = startBrood(opsApp({ health: false }));
  const started = await cluster.started();
  assert.equal((await get(`${started.url}/readyz`)).body, 'the app');
  assert.equal((await get(`${started.url}/healthz`)).status, 404);

  const bad = startBrood(opsApp({ metrics: true }));
  assert.equal((await bad.exit()).code, 1);
  assert.match(bad.stderr, /metrics are served on the management port: set managementPort too/);
  const badPath = startBrood(opsApp({ health: { liveness: 'healthz' } }));
  assert.equal((await badPath.exit()).code, 1);
  assert.match(badPath.stderr, /health\.liveness must be a path such as \/healthz, or false; got "healthz" \(ERR_BROOD_BAD_OPTION\)/);

  // A management port in use stops start-up before anything is forked.
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, resolve));
  const port = (taken.address() as { port: number }).port;
  try {
    const busy = startBrood(opsApp({ managementPort: port }));
    assert.equal((await busy.exit()).code, 1);
    assert.match(busy.stderr, new RegExp(`management port ${port} is already in use \\(ERR_BROOD_PORT_IN_USE\\)`));
    assert.ok(!busy.lines.some((l) => l.role === 'agent' || l.role === 'worker'), 'nothing was forked');
  } finally {
    taken.close();
  }
});
