/**
 * Chaos: `brood reload` and agent kills under keep-alive load, with fresh
 * connections probing alongside. Brood promises that neither costs an HTTP
 * request: a reload replaces the workers one at a time after each has
 * finished its requests, and a request that does not ask the agent never
 * depends on it. Requests that do ask the agent are counted too.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { brood, killDaemons } from '../helpers/cli.js';
import { killAll, startBrood, waitGone } from '../helpers/cluster.js';
import { freshConnectionLoad, keepAliveLoad } from '../helpers/load.js';
import { figuresFile } from './helpers/figures.js';
import { startLoad } from './helpers/load.js';
import { currentWorkers, nextReady, unexpectedExits } from './helpers/procs.js';

afterEach(() => {
  killAll();
  killDaemons();
});
const record = figuresFile(fileURLToPath(import.meta.url));

/** A probe unanswered this long counts as hung: far past any answer a busy machine gives, so only a lost connection reaches it. */
const PROBE_TIMEOUT_MS = 10_000;

const RELOADS = 3;
const AGENT_KILLS = 3;
/** Load runs this long before the first action, between actions and after the last. */
const BETWEEN_MS = 800;

test('brood reload under load: no request fails, no process crashes, nothing is left behind', async (t) => {
  const cluster = startBrood('chaos', ['--workers', '2']);
  const started = await cluster.started();
  const load = startLoad(`${started.url}/`, { connections: 16 });
  const probes = freshConnectionLoad(`${started.url}/`, 2, 60_000, PROBE_TIMEOUT_MS);
  const reloadMs: number[] = [];
  await delay(BETWEEN_MS);
  for (let i = 0; i < RELOADS; i++) {
    const began = performance.now();
    const run = await brood(['reload', cluster.dir, '--title', cluster.title], { timeout: 60_000 });
    assert.equal(run.code, 0, run.stderr);
    reloadMs.push(Math.round(performance.now() - began));
    await delay(BETWEEN_MS);
  }
  const figures = await load.stop();
  const probed = await probes.stop();
  const failed = figures.failed + probed.errors.length + probed.non2xx;
  record(t, 'reload', {
    reloads: RELOADS,
    reloadMs,
    failed,
    load: figures,
    probes: { ok: probed.ok, failed: probed.errors.length + probed.non2xx },
  });

  assert.equal(failed, 0, `failed requests: ${JSON.stringify({ errors: figures.errors, non2xx: figures.non2xx, probes: probed.errors })}`);
  assert.deepEqual(unexpectedExits(cluster), [], 'no process crashed');
  assert.ok(figures.responses > 0);
  cluster.signal('SIGTERM');
  assert.equal((await cluster.exit()).code, 0);
  await waitGone([...cluster.pids], 5000);
});

test('agent kills under load: no request that does not ask the agent fails; the workers are untouched', async (t) => {
  const cluster = startBrood('chaos', ['--workers', '2']);
  const started = await cluster.started();
  const load = startLoad(`${started.url}/`, { connections: 16 });
  // Requests that ask the agent (messenger.request, 3 s timeout): those in flight at a kill may fail.
  const asking = keepAliveLoad(`${started.url}/agent`, 2, 60_000, PROBE_TIMEOUT_MS);
  const victims: number[] = [];
  const backMs: number[] = [];
  let agent = started.agent;
  await delay(BETWEEN_MS);
  for (let i = 0; i < AGENT_KILLS; i++) {
    const from = cluster.lines.length;
    const killedAt = performance.now();
    process.kill(agent, 'SIGKILL');
    victims.push(agent);
    const ready = await nextReady(cluster, 'agent', from);
    backMs.push(Math.round(performance.now() - killedAt));
    agent = (ready.peers as { agent: number }).agent;
    await delay(BETWEEN_MS);
  }
  const figures = await load.stop();
  const asked = await asking.stop();
  record(t, 'agent-kills', {
    kills: AGENT_KILLS,
    backMs,
    failed: figures.failed,
    load: figures,
    agentRequests: { ok: asked.ok, failed: asked.errors.length + asked.non2xx },
  });

  assert.equal(figures.failed, 0, `failed requests: ${JSON.stringify({ errors: figures.errors, non2xx: figures.non2xx })}`);
  assert.deepEqual(unexpectedExits(cluster).sort(), [...victims].sort(), 'only the killed agents exited');
  assert.deepEqual(currentWorkers(cluster, started.workers).sort(), [...started.workers].sort(), 'the same workers serve');
  cluster.signal('SIGTERM');
  assert.equal((await cluster.exit()).code, 0);
  await waitGone([...cluster.pids], 5000);
});
