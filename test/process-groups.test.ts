/**
 * Nothing is left behind: the agent and every worker lead a process group
 * of their own, and what they started — a direct child, and a grandchild
 * whose parent shell exited at once — is gone within 2 s of the master's
 * SIGKILL, of a graceful stop, and of a worker's own SIGKILL.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { afterEach, test } from 'node:test';
import { type Cluster, isAlive, killAll, startBrood, waitGone } from './helpers/cluster.js';
import { getJson } from './helpers/http.js';

afterEach(killAll);

/** The process group of `pid`, from /proc. */
function groupOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

/** The value of `name` in the environment `pid` started with, from /proc; undefined when it had none. */
function envOf(pid: number, name: string): string | undefined {
  const entry = readFileSync(`/proc/${pid}/environ`, 'utf8')
    .split('\0')
    .find((e) => e.startsWith(`${name}=`));
  return entry?.slice(name.length + 1);
}

/** Starts the spawner app and has every process start sleeps; resolves with the pids of Brood's processes and of the sleeps. */
async function startSpawner(): Promise<{ cluster: Cluster; brood: number[]; sleeps: number[]; byWorker: Map<number, number[]> }> {
  const cluster = startBrood('spawner');
  const started = await cluster.started();
  const spawned = await cluster.waitFor((l) => l.event === 'test:agent-spawned', 'the agent to start its sleeps');
  const sleeps = [...(spawned.pids as number[])];
  const byWorker = new Map<number, number[]>();
  // Fresh connections alternate between the workers: each starts a child and an adopted grandchild.
  for (let i = 0; i < 40 && [...byWorker.values()].filter((pids) => pids.length >= 2).length < started.workers.length; i++) {
    for (const route of ['spawn', 'spawn-shell']) {
      const { pid, spawned: sleep } = await getJson<{ pid: number; spawned: number }>(`${started.url}/${route}`);
      byWorker.set(pid, [...(byWorker.get(pid) ?? []), sleep]);
      sleeps.push(sleep);
    }
  }
  assert.equal(byWorker.size, started.workers.length, 'every worker started sleeps');
  assert.ok(sleeps.every(isAlive), 'every sleep runs');
  return { cluster, brood: [started.agent, ...started.workers], sleeps, byWorker };
}

test('the agent and every worker lead a process group of their own; their children are in it', async () => {
  const { brood, byWorker, sleeps } = await startSpawner();
  for (const pid of brood) assert.equal(groupOf(pid), pid, `process ${pid} leads its group`);
  for (const [worker, pids] of byWorker) for (const sleep of pids) assert.equal(groupOf(sleep), worker);
  assert.ok(sleeps.length >= 2 + 2 * byWorker.size);
  // What the master tells its children in the environment for their start-up alone is not passed on.
  for (const sleep of sleeps) assert.equal(envOf(sleep, 'BROOD_RUN_BUNDLE'), undefined, `sleep ${sleep} did not inherit BROOD_RUN_BUNDLE`);
  for (const pid of brood) assert.ok(envOf(pid, 'BROOD_RUN_BUNDLE')?.startsWith('/'), `process ${pid} was told where run-bundle is`);
});

test('SIGKILL of the master: Brood processes and every process they started are gone within 2 s', async (t) => {
  const { cluster, brood, sleeps } = await startSpawner();
  cluster.signal('SIGKILL');
  const ms = await waitGone([...brood, ...sleeps], 2000);
  t.diagnostic(`${brood.length} Brood processes and ${sleeps.length} sleeps gone ${ms.toFixed(0)} ms after the master's SIGKILL`);
});

test('a graceful stop: every process Brood started and every process they started are gone within 2 s', async (t) => {
  const { cluster, brood, sleeps } = await startSpawner();
  cluster.signal('SIGTERM');
  assert.equal((await cluster.exit(15_000)).code, 0);
  const ms = await waitGone([...brood, ...sleeps], 2000, cluster.exitedAt);
  t.diagnostic(`${sleeps.length} sleeps gone ${ms.toFixed(0)} ms after the master exited`);
});

test('a worker killed with SIGKILL takes what it started with it; the others keep theirs', async () => {
  const { cluster, byWorker } = await startSpawner();
  const [[victim, victimSleeps], [survivor, survivorSleeps]] = [...byWorker] as [[number, number[]], [number, number[]]];
  process.kill(victim, 'SIGKILL');
  await cluster.waitFor((l) => l.role === 'master' && new RegExp(`pid ${victim}\\) exited unexpectedly`).test(l.msg ?? ''), 'the exit');
  await waitGone([victim, ...victimSleeps], 2000);
  assert.ok(isAlive(survivor) && survivorSleeps.every(isAlive), 'the other worker and its sleeps are untouched');
});
