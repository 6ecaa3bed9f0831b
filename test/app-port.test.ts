/**
 * The app's port belongs to the master for its whole life: with its only
 * worker killed, fresh connections wait and are served by the next one
 * (none refused, under `rr` and `none`); a port picked with 0 stays the
 * app's port, as status and the pid file say; under `rr` a connection
 * handed to a worker that dies before it took it goes to another worker.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterEach, test } from 'node:test';
import { brood, killDaemons } from './helpers/cli.js';
import { killAll, startBrood, waitGone } from './helpers/cluster.js';
import { get, getJson } from './helpers/http.js';
import { holdsSocket, tcpInodes } from './helpers/sockets.js';

afterEach(() => {
  killAll();
  killDaemons();
});

type Outcome = { ok: true; pid: number } | { ok: false; code: string };

/** One GET on a fresh connection; a connection refused, reset or unanswered within 5 s is an outcome too. */
function probe(url: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ ok: true, pid: (JSON.parse(body) as { pid: number }).pid }));
      res.on('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, code: error.code ?? error.message }));
    });
    req.setTimeout(5000, () => req.destroy(Object.assign(new Error('no answer within 5 s'), { code: 'HANG' })));
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, code: error.code ?? error.message }));
    req.end();
  });
}

for (const policy of ['rr', 'none'] as const) {
  test(`${policy}: the only worker killed while clients connect: no connection refused, the next worker serves them`, async (t) => {
    const cluster = startBrood('spawner', ['--workers', '1', '--sched', policy]);
    const started = await cluster.started();
    const [victim] = started.workers as [number];
    const outcomes: Outcome[] = [];
    let replacement: number | undefined;
    // Two clients open fresh connections one after the other until the new worker has answered ten times.
    const client = async (): Promise<void> => {
      while (outcomes.filter((o) => o.ok && o.pid !== victim).length < 10) {
        const outcome = await probe(`${started.url}/`);
        outcomes.push(outcome);
        if (outcome.ok && outcome.pid !== victim) replacement = outcome.pid;
      }
    };
    const clients = [client(), client()];
    while (!outcomes.some((o) => o.ok)) await new Promise((resolve) => setTimeout(resolve, 5));
    process.kill(victim, 'SIGKILL');
    await Promise.all(clients);
    const failed = outcomes.filter((o): o is { ok: false; code: string } => !o.ok);
    t.diagnostic(`${outcomes.length} connections, ${failed.length} failed (${failed.map((o) => o.code).join(', ') || 'none'})`);
    assert.deepEqual(
      failed.filter((o) => o.code !== 'ECONNRESET'),
      [],
      'nothing is refused or left hanging; only a request the killed worker was serving may be reset',
    );
    assert.ok(failed.length <= 2, 'at most one request in flight per client was lost with the worker');
    assert.notEqual(replacement, undefined);
  });
}

test('a port picked with 0 stays the app port after its only worker crashes, as status and the pid file say', async () => {
  const cluster = startBrood('spawner', ['--workers', '1']);
  const started = await cluster.started();
  for (let crash = 0; crash < 2; crash++) {
    const { pid } = await getJson<{ pid: number }>(`${started.url}/`);
    const from = cluster.lines.length;
    process.kill(pid, 'SIGKILL');
    await cluster.waitFor((l) => l.role === 'master' && /^worker \d+ \(pid \d+\) ready$/.test(l.msg ?? ''), 'the new worker', 15_000, from);
    const next = await getJson<{ pid: number }>(`${started.url}/`);
    assert.notEqual(next.pid, pid, 'the new worker answers on the same URL');
  }
  const status = await brood(['status', cluster.dir, '--title', cluster.title, '--json']);
  assert.equal(status.code, 0, status.stderr);
  assert.equal((JSON.parse(status.stdout) as { url: string }).url, started.url);
  const pidFile = JSON.parse(readFileSync(`${cluster.dir}/run/${cluster.title}.json`, 'utf8')) as { url: string };
  assert.equal(pidFile.url, started.url);
  const worker = cluster.lines.findLast((l) => l.role === 'worker' && l.event === 'ready');
  assert.equal((worker?.address as { port: number } | undefined)?.port, Number(new URL(started.url).port));
});

test('rr: a connection handed to a worker whose event loop is blocked goes to another worker when it is killed', async (t) => {
  const cluster = startBrood('spawner', ['--sched', 'rr']);
  const started = await cluster.started();
  const { pid: blocked } = await getJson<{ pid: number }>(`${started.url}/block`);
  // Four fresh connections: the blocked worker is handed one and never takes it; the other worker serves the rest.
  const replies = Array.from({ length: 4 }, () => get(`${started.url}/`, { timeout: 20_000 }));
  const answered: number[] = [];
  for (const reply of replies) void reply.then((r) => answered.push((JSON.parse(r.body) as { pid: number }).pid));
  while (answered.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(!answered.includes(blocked));
  process.kill(blocked, 'SIGKILL');
  const handedOn = await cluster.waitFor((l) => /^1 connection handed to worker .* go to another worker$/.test(l.msg ?? ''), 'the hand-on');
  assert.match(handedOn.msg ?? '', new RegExp(`pid ${blocked}\\)`));
  const all = await Promise.all(replies);
  assert.deepEqual(
    all.map((r) => r.status),
    [200, 200, 200, 200],
  );
  await waitGone([blocked], 5000);
  t.diagnostic(`answered by workers ${all.map((r) => (JSON.parse(r.body) as { pid: number }).pid).join(', ')}; ${blocked} was blocked`);
  const halfClosed = tcpInodes(Number(new URL(started.url).port), 'closeWait');
  assert.ok(!holdsSocket(cluster.pid, halfClosed), 'the master holds no half-closed connection');
});
