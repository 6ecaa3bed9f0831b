import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { killAll, startBrood } from './helpers/cluster.js';
import { get } from './helpers/http.js';
import { freshConnectionLoad, keepAliveLoad } from './helpers/load.js';
import { opsApp } from './helpers/ops-app.js';
import { removeTempApps } from './helpers/temp-app.js';

afterEach(() => {
  killAll();
  removeTempApps();
});

/** One sample of Prometheus' text format. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1] as string] = pair[2] as string;
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of a metric's samples whose labels include `where`. */
function sum(samples: Sample[], name: string, where: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((total, s) => total + s.value, 0);
}

async function scrape(url: string): Promise<Sample[]> {
  const reply = await get(url);
  assert.equal(reply.status, 200, reply.body);
  assert.match(String(reply.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  return parse(reply.body);
}

test('scraped under load, the request counter summed over the workers equals the requests answered; every process is labelled by role and slot', async () => {
  const cluster = startBrood(opsApp({ managementPort: 0, metrics: true }, { task: true }));
  const started = await cluster.started();
  const metricsUrl = `${(cluster.lines.find((l) => l.event === 'management') as { url: string }).url}/metrics`;
  const load = freshConnectionLoad(`${started.url}/users/42`, 4);
  const keptAlive = keepAliveLoad(`${started.url}/users/7`, 4);
  // Scrapes while the load runs, until 300 requests were answered: each scrape answers, and the count only grows.
  let seen = 0;
  let scrapes = 0;
  const deadline = performance.now() + 30_000;
  while (load.result.ok + keptAlive.result.ok < 300 || scrapes < 3) {
    assert.ok(performance.now() < deadline, `only ${load.result.ok + keptAlive.result.ok} requests answered in 30 s`);
    const during = sum(await scrape(metricsUrl), 'brood_http_requests_total', { route: '/users/:id' });
    assert.ok(during >= seen, `the count went from ${seen} to ${during}`);
    seen = during;
    scrapes += 1;
  }
  const fresh = await load.stop();
  const kept = await keptAlive.stop();
  assert.deepEqual([...fresh.errors, ...kept.errors], []);
  const sent = fresh.ok + kept.ok;
  assert.ok(sent >= 300, `${sent} requests sent`);
  const samples = await scrape(metricsUrl);
  assert.equal(sum(samples, 'brood_http_requests_total', { method: 'GET', route: '/users/:id', status: '200' }), sent);
  assert.equal(sum(samples, 'brood_http_request_duration_seconds_count', { route: '/users/:id' }), sent);
  for (const slot of ['1', '2']) {
    assert.ok(sum(samples, 'brood_http_requests_total', { role: 'worker', slot }) > 0, `worker slot ${slot} served and is labelled`);
  }
  // The default metrics of every process: CPU, memory, heap, event-loop lag.
  for (const role of ['master', 'agent', 'worker']) {
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      assert.ok(
        samples.some((s) => s.name === name && s.labels.role === role),
        `${name} of the ${role}`,
      );
    }
  }
  assert.ok(sum(samples, 'brood_task_runs_total', { task: 'tick', outcome: 'ok', role: 'agent' }) > 0, 'task runs');
  assert.ok(sum(samples, 'brood_task_duration_seconds_count', { task: 'tick' }) > 0, 'task durations');
  assert.ok(sum(samples, 'brood_messenger_messages_total', { role: 'agent', direction: 'sent' }) > 0, 'messenger traffic');
  assert.equal(sum(samples, 'brood_processes', { role: 'worker', state: 'ready' }), 2);
});

test("the app's own metrics, messenger latency, restarts and reloads show in the scrape", async () => {
  const cluster = startBrood(opsApp({ managementPort: 0, metrics: true }));
  const started = await cluster.started();
  const metricsUrl = `${(cluster.lines.find((l) => l.event === 'management') as { url: string }).url}/metrics`;
  for (let i = 0; i < 6; i++) assert.equal((await get(`${started.url}/orders`, { method: 'POST' })).status, 201);
  for (let i = 0; i < 3; i++) assert.equal((await get(`${started.url}/agent`)).status, 200);
  let samples = await scrape(metricsUrl);
  assert.equal(sum(samples, 'shop_orders_total'), 6, 'the app counter, summed over the workers');
  assert.equal(sum(samples, 'brood_http_requests_total', { method: 'POST', route: '/orders', status: '201' }), 6);
  assert.equal(sum(samples, 'brood_messenger_request_duration_seconds_count', { role: 'worker', outcome: 'ok' }), 3);
  assert.equal(sum(samples, 'brood_restarts_total'), 0);

  await get(`${started.url}/crash`);
  await cluster.waitFor((l) => l.role === 'master' && /exited unexpectedly/.test(l.msg ?? ''), 'the crash');
  await cluster.waitFor((l) => l.role === 'master' && /^worker \d+ \(pid \d+\) ready$/.test(l.msg ?? ''), 'the new worker');
  cluster.signal('SIGUSR2');
  await cluster.waitFor((l) => l.event === 'reloaded', 'the reload');
  samples = await scrape(metricsUrl);
  assert.equal(sum(samples, 'brood_restarts_total', { role: 'worker' }), 1);
  assert.equal(sum(samples, 'brood_reloads_total', { outcome: 'ok' }), 1);
  assert.equal(sum(samples, 'brood_processes', { role: 'worker', state: 'ready' }), 2);
});
