/**
 * Chaos: how long a crashed worker stays away. One slot's worker is killed
 * (SIGKILL) as soon as it is ready, again and again — a crash loop — then
 * left healthy for a while and killed once more — an accident. Measured:
 * the delay the master announces before each refork, and the time from the
 * kill to the replacement's ready line.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Cluster } from '../helpers/cluster.js';
import { killAll, startBrood, waitGone } from '../helpers/cluster.js';
import { figuresFile } from './helpers/figures.js';
import { currentWorkers, nextReady } from './helpers/procs.js';

afterEach(killAll);
const record = figuresFile(fileURLToPath(import.meta.url));

const LOOP_CRASHES = 5;
/** How long the worker serves before the last crash: an accident, not a loop. */
const HEALTHY_MS = 5000;

interface Restart {
  /** The delay the master logged before the refork, when it logged one. */
  announcedMs: number | null;
  /** From the SIGKILL to the replacement's ready line. */
  backMs: number;
}

/** Kills `victim` and resolves once its replacement is ready, with the replacement's pid. */
async function crash(cluster: Cluster, victim: number): Promise<Restart & { next: number }> {
  const from = cluster.lines.length;
  const killedAt = performance.now();
  process.kill(victim, 'SIGKILL');
  const exit = await cluster.waitFor(
    (l) => l.role === 'master' && new RegExp(`pid ${victim}\\) exited unexpectedly`).test(l.msg ?? ''),
    `the exit of ${victim}`,
    15_000,
    from,
  );
  const ready = await nextReady(cluster, 'worker', from, 30_000);
  return {
    announcedMs: typeof exit.wait === 'number' ? exit.wait : null,
    backMs: Math.round(performance.now() - killedAt),
    next: Number(/\(pid (\d+)\)/.exec(ready.msg ?? '')?.[1]),
  };
}

let afterHealthy: Restart | undefined;

test('restart delays over a crash loop and after a healthy period; the master does not give up', async (t) => {
  const cluster = startBrood('chaos', ['--workers', '2']);
  const started = await cluster.started();
  const loop: Restart[] = [];
  let victim = started.workers[0] as number;
  for (let i = 0; i < LOOP_CRASHES; i++) {
    const { next, ...restart } = await crash(cluster, victim);
    loop.push(restart);
    victim = next;
  }
  // Healthy for a while: the next crash is an accident, not part of the loop.
  await delay(HEALTHY_MS);
  const { next: _, ...accident } = await crash(cluster, victim);
  afterHealthy = accident;
  record(t, 'restarts', { loop, healthyMs: HEALTHY_MS, afterHealthy: accident });

  assert.equal(cluster.child.exitCode, null, 'the master did not give up');
  assert.equal(currentWorkers(cluster, started.workers).length, 2);
  cluster.signal('SIGTERM');
  assert.equal((await cluster.exit()).code, 0);
  await waitGone([...cluster.pids], 5000);
});

test('a worker that crashes after a healthy period is replaced at once', () => {
  assert.ok(afterHealthy !== undefined, 'the scenario ran');
  assert.equal(afterHealthy.announcedMs ?? 0, 0, `announced delay ${afterHealthy.announcedMs} ms`);
});
