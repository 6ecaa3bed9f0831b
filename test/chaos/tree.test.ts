/**
 * Chaos: nothing of Brood's tree outlives it. Each worker and the agent
 * start a grandchild (`sleep 60`, as a route that shells out would); then
 * the master is killed with SIGKILL, or stopped with `brood stop` while
 * slow requests are in flight. Measured: how long until the last child and
 * the last grandchild are gone, and how long the stop took.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { brood, killDaemons } from '../helpers/cli.js';
import { type Cluster, isAlive, killAll, type StartedLine, startBrood, waitGone } from '../helpers/cluster.js';
import { get, getJson } from '../helpers/http.js';
import { figuresFile } from './helpers/figures.js';
import { alive, killPids } from './helpers/procs.js';

const grandchildren = new Set<number>();
afterEach(() => {
  killAll();
  killDaemons();
  killPids(grandchildren);
});
const record = figuresFile(fileURLToPath(import.meta.url));

/** How long to watch for the grandchildren to go before counting them as left behind. */
const GRANDCHILD_WAIT_MS = 3000;
const SLOW_REQUESTS = 6;
const SLOW_MS = 1500;

/** Makes every worker and the agent start a `sleep 60`; returns their pids. */
async function spawnGrandchildren(started: StartedLine): Promise<number[]> {
  const made: number[] = [];
  const workers = new Set<number>();
  for (let i = 0; i < 20 && workers.size < started.workers.length; i++) {
    const { pid, grandchild } = await getJson<{ pid: number; grandchild: number }>(`${started.url}/spawn`);
    workers.add(pid);
    made.push(grandchild);
  }
  made.push((await getJson<{ grandchild: number }>(`${started.url}/agent-spawn`)).grandchild);
  for (const pid of made) grandchildren.add(pid);
  assert.ok(made.every(isAlive), 'the grandchildren run');
  return made;
}

/** ms from `since` until every pid is gone, or null when some are still there after `limit` ms. */
async function goneWithin(pids: number[], limit: number, since: number): Promise<number | null> {
  try {
    return Math.round(await waitGone(pids, limit, since));
  } catch {
    return null;
  }
}

const results = new Map<string, { grandchildrenLeft: number }>();

test('master SIGKILL: the agent and the workers leave on their own', async (t) => {
  const cluster = startBrood('chaos', ['--workers', '2']);
  const started = await cluster.started();
  const made = await spawnGrandchildren(started);
  const children = [started.agent, ...started.workers];
  const killedAt = performance.now();
  process.kill(cluster.pid, 'SIGKILL');
  const childrenGoneMs = await goneWithin(children, 5000, killedAt);
  const grandchildrenGoneMs = await goneWithin(made, GRANDCHILD_WAIT_MS, killedAt);
  const grandchildrenLeft = alive(made).length;
  results.set('sigkill', { grandchildrenLeft });
  record(t, 'master-sigkill', {
    children: children.length,
    childrenGoneMs,
    grandchildren: made.length,
    grandchildrenGoneMs,
    grandchildrenLeft,
  });
  assert.notEqual(childrenGoneMs, null, `children still alive 5 s after the master's SIGKILL: ${alive(children).join(', ')}`);
});

test('brood stop with slow requests in flight: every one is answered, the tree is gone', async (t) => {
  const cluster = startBrood('chaos', ['--workers', '2']);
  const started = await cluster.started();
  const made = await spawnGrandchildren(started);
  const slow = Array.from({ length: SLOW_REQUESTS }, () => get(`${started.url}/slow?ms=${SLOW_MS}`, { timeout: 30_000 }));
  await waitCount(cluster, (l) => l.event === 'chaos:slow-started', SLOW_REQUESTS, 'the slow requests under way');
  const began = performance.now();
  const stop = await brood(['stop', cluster.dir, '--title', cluster.title], { timeout: 60_000 });
  const stopMs = Math.round(performance.now() - began);
  const answers = await Promise.allSettled(slow);
  const answered = answers.filter((a) => a.status === 'fulfilled' && a.value.status === 200).length;
  const grandchildrenGoneMs = await goneWithin(made, GRANDCHILD_WAIT_MS, began);
  const grandchildrenLeft = alive(made).length;
  results.set('stop', { grandchildrenLeft });
  record(t, 'stop-in-flight', {
    inFlight: SLOW_REQUESTS,
    requestMs: SLOW_MS,
    answered,
    stopMs,
    grandchildren: made.length,
    grandchildrenGoneMs,
    grandchildrenLeft,
  });
  assert.equal(stop.code, 0, stop.stderr);
  assert.equal(
    answered,
    SLOW_REQUESTS,
    `answers: ${JSON.stringify(answers.map((a) => (a.status === 'fulfilled' ? a.value.status : String(a.reason))))}`,
  );
  assert.equal((await cluster.exit()).code, 0);
  assert.deepEqual(alive([started.agent, ...started.workers]), [], 'the agent and the workers are gone');
});

test('no grandchild outlives the master, killed or stopped', () => {
  assert.equal(results.get('sigkill')?.grandchildrenLeft, 0, 'after SIGKILL of the master');
  assert.equal(results.get('stop')?.grandchildrenLeft, 0, 'after brood stop');
});

/** Waits until `n` lines match. */
function waitCount(cluster: Cluster, match: (line: { event?: string }) => boolean, n: number, what: string): Promise<unknown> {
  return cluster.waitFor(() => cluster.lines.filter(match).length >= n, what, 20_000);
}
