/**
 * Chaos: the master's memory while the agent is stalled. The agent blocks
 * its event loop (it reads nothing from its channel) while a worker sends
 * it 200 messages of 1 MB, fire-and-forget; whatever the master cannot write
 * to the agent, it holds. Measured: the master's RSS before, at its peak, and
 * once the agent has caught up; how many messages arrived.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { killAll, startBrood, waitGone } from '../helpers/cluster.js';
import { get, getJson } from '../helpers/http.js';
import { figuresFile } from './helpers/figures.js';
import { rssOf, sampleRss, unexpectedExits } from './helpers/procs.js';

afterEach(killAll);
const record = figuresFile(fileURLToPath(import.meta.url));

const BLOCK_MS = 6000;
const MESSAGES = 200;
const KB = 1024;
/** What "flat" means for the master here: it may grow by this much while 200 MB pass through it. */
const FLAT_BYTES = 128 * 2 ** 20;
const MB = (bytes: number): number => Math.round(bytes / 2 ** 20);

let growth: number | undefined;

test('a stalled agent flooded by a worker: the master and the agent live on, the master`s memory is measured', async (t) => {
  const cluster = startBrood('chaos', ['--workers', '1']);
  const started = await cluster.started();
  for (let i = 0; i < 20; i++) await get(`${started.url}/agent`);
  const baseline = rssOf(cluster.pid);
  const sampler = sampleRss(cluster.pid);
  const began = performance.now();
  // The block goes first on the same path as the flood: the agent is blocked before the flood reaches it.
  await get(`${started.url}/agent-block?ms=${BLOCK_MS}`);
  const { sent } = await getJson<{ sent: number }>(`${started.url}/flood?n=${MESSAGES}&kb=${KB}`, 60_000);
  const sentMs = Math.round(performance.now() - began);
  const { received } = await getJson<{ received: number }>(`${started.url}/flooded`, 120_000);
  const caughtUpMs = Math.round(performance.now() - began);
  // A second after the agent caught up: what the master keeps.
  await delay(1000);
  const { peak } = sampler.stop();
  const after = rssOf(cluster.pid);
  growth = peak - baseline;
  record(t, 'stalled-agent', {
    blockMs: BLOCK_MS,
    messages: MESSAGES,
    messageKiB: KB,
    sent,
    received,
    sentMs,
    caughtUpMs,
    masterRssMiB: { baseline: MB(baseline), peak: MB(peak), growth: MB(growth), afterCatchUp: MB(after) },
  });

  assert.equal(cluster.child.exitCode, null, 'the master lives');
  assert.deepEqual(unexpectedExits(cluster), [], 'no process crashed');
  assert.ok((await getJson<{ agent: number }>(`${started.url}/agent`)).agent === started.agent, 'the same agent answers');
  cluster.signal('SIGTERM');
  assert.equal((await cluster.exit()).code, 0);
  await waitGone([...cluster.pids], 5000);
});

test('the master`s memory stays flat while the agent is stalled', () => {
  assert.ok(growth !== undefined, 'the scenario ran');
  assert.ok(growth <= FLAT_BYTES, `the master grew by ${MB(growth)} MiB (flat: at most ${MB(FLAT_BYTES)} MiB)`);
});
