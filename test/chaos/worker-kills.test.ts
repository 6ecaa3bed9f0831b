/**
 * Chaos: workers killed with SIGKILL under keep-alive load, with each
 * scheduling policy. What a kill may cost is the requests in flight on the
 * killed worker — at most the connections it held, counted from /proc just
 * before the kill. Fresh connections probe alongside, one request each, to
 * catch a connection the master handed to a dying worker and never closed.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { isAlive, killAll, startBrood, waitGone } from '../helpers/cluster.js';
import { freshConnectionLoad } from '../helpers/load.js';
import { figuresFile } from './helpers/figures.js';
import { startLoad } from './helpers/load.js';
import { connectionsOf, currentWorkers, nextReady, unexpectedExits } from './helpers/procs.js';

afterEach(killAll);
const record = figuresFile(fileURLToPath(import.meta.url));

/** A probe unanswered this long counts as hung: far past any answer a busy machine gives, so only a lost connection reaches it. */
const PROBE_TIMEOUT_MS = 10_000;

const KILLS = 5;
/** Load runs this long on two workers between kills, and before the first. */
const BETWEEN_KILLS_MS = 800;

interface KillFigures {
  policy: string;
  kills: number;
  /** Connections the killed workers held at their kill: the requests in flight a kill can cost. */
  inFlightAtKills: number;
  /** Requests of the load and of the probes that got no 2xx answer. */
  failed: number;
  load: Awaited<ReturnType<ReturnType<typeof startLoad>['stop']>>;
  probes: { ok: number; failed: number; hung: number };
  /** ms from each kill to its replacement's ready line. */
  replacedMs: number[];
}

const measured = new Map<string, KillFigures>();

for (const policy of ['rr', 'none'] as const) {
  test(`worker kills under load, ${policy}: nothing but the killed workers exits, they are replaced, nothing is left behind`, async (t) => {
    const cluster = startBrood('chaos', ['--workers', '2', '--sched', policy]);
    const started = await cluster.started();
    const port = Number(new URL(started.url).port);
    const load = startLoad(`${started.url}/`, { connections: 16 });
    const probes = freshConnectionLoad(`${started.url}/`, 2, 60_000, PROBE_TIMEOUT_MS);
    const victims: number[] = [];
    const replacedMs: number[] = [];
    let inFlightAtKills = 0;
    await delay(BETWEEN_KILLS_MS);
    for (let i = 0; i < KILLS; i++) {
      const victim = currentWorkers(cluster, started.workers)[0] as number;
      // Stopped first, it takes no connection between the count and the kill.
      process.kill(victim, 'SIGSTOP');
      inFlightAtKills += connectionsOf(victim, port);
      const from = cluster.lines.length;
      const killedAt = performance.now();
      process.kill(victim, 'SIGKILL');
      victims.push(victim);
      await nextReady(cluster, 'worker', from);
      replacedMs.push(Math.round(performance.now() - killedAt));
      await delay(BETWEEN_KILLS_MS);
    }
    const figures = await load.stop();
    const probed = await probes.stop();
    const hung = probed.errors.filter((e) => /timed out/.test(e)).length;
    const result: KillFigures = {
      policy,
      kills: KILLS,
      inFlightAtKills,
      failed: figures.failed + probed.errors.length + probed.non2xx,
      load: figures,
      probes: { ok: probed.ok, failed: probed.errors.length + probed.non2xx, hung },
      replacedMs,
    };
    measured.set(policy, result);
    record(t, `worker-kills-${policy}`, { ...result });

    assert.equal(cluster.child.exitCode, null, 'the master runs on');
    assert.deepEqual(unexpectedExits(cluster).sort(), [...victims].sort(), 'only the killed workers exited');
    assert.equal(currentWorkers(cluster, started.workers).length, 2, 'both slots serve again');
    assert.ok(figures.responses > 0, 'the load was served');
    cluster.signal('SIGTERM');
    assert.equal((await cluster.exit()).code, 0);
    await waitGone([...cluster.pids], 5000);
    assert.ok(!isAlive(started.agent));
  });
}

// A SIGKILL can cost the requests in flight on the killed worker, and nothing more.
test('worker kills cost at most the requests in flight on the killed workers, rr', () => {
  const rr = measured.get('rr');
  assert.ok(rr !== undefined, 'the rr scenario ran');
  assert.ok(rr.failed <= rr.inFlightAtKills, `${rr.failed} failed requests, ${rr.inFlightAtKills} in flight at the kills`);
  assert.equal(rr.probes.hung, 0, 'no fresh connection hung');
});

// A hung probe counts among the failed requests: the bound covers it.
test('worker kills cost at most the requests in flight on the killed workers, none', () => {
  const none = measured.get('none');
  assert.ok(none !== undefined, 'the none scenario ran');
  assert.ok(none.failed <= none.inFlightAtKills, `${none.failed} failed requests, ${none.inFlightAtKills} in flight at the kills`);
});
