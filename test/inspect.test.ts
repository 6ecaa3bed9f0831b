/**
 * `node --inspect` with Brood: the master keeps its inspector port, the
 * agent takes port + 1 and worker n port + 1 + n, and a reforked worker
 * takes its slot's port again — no two processes ask for the same one.
 * The flag is given on the command line and, apart, through NODE_OPTIONS.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { afterEach, test } from 'node:test';
import { BROOD_BIN, Cluster, FIXTURES, killAll, waitGone } from './helpers/cluster.js';
import { listeningInodes, socketsOf } from './helpers/sockets.js';

afterEach(killAll);

/** A port with the next three free too (probed, then let go). */
async function freePorts(): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const probe = createServer().once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await Promise.all([0, 1, 2, 3].map((i) => free(base + i)))).every(Boolean)) return base;
  }
  throw new Error('no four free ports in a row');
}

/** The inspector port `pid` listens on, among base … base + 3. */
function inspectorPortOf(pid: number, base: number): number | undefined {
  const held = new Set(socketsOf(pid));
  return [0, 1, 2, 3].map((i) => base + i).find((port) => [...listeningInodes(port)].some((inode) => held.has(inode)));
}

/** Starts the basic app with two workers, the inspector asked for as `how` says. */
function startInspected(how: 'argv' | 'NODE_OPTIONS', base: number): Cluster {
  const flag = `--inspect=127.0.0.1:${base}`;
  const args = [BROOD_BIN, 'start', `${FIXTURES}basic`, '--port', '0', '--workers', '2', '--title', `inspect-${process.pid}-${how}`];
  const cluster =
    how === 'argv'
      ? new Cluster(process.execPath, [flag, ...args], { BROOD_ENV: 'test' })
      : new Cluster(process.execPath, args, { BROOD_ENV: 'test', NODE_OPTIONS: flag });
  cluster.title = `inspect-${process.pid}-${how}`;
  cluster.dir = `${FIXTURES}basic`;
  return cluster;
}

for (const how of ['argv', 'NODE_OPTIONS'] as const) {
  test(`--inspect in ${how}: the agent and each worker slot keep an inspector port of their own`, async () => {
    const base = await freePorts();
    const cluster = startInspected(how, base);
    const started = await cluster.started(30_000);
    assert.equal(inspectorPortOf(cluster.pid, base), base, 'the master keeps its port');
    assert.equal(inspectorPortOf(started.agent, base), base + 1, 'the agent takes port + 1');
    const workerPorts = started.workers.map((pid) => inspectorPortOf(pid, base));
    assert.deepEqual([...workerPorts].sort(), [base + 2, base + 3], 'worker 1 and 2 take port + 2 and + 3');
    assert.doesNotMatch(cluster.stderr, /address already in use/);

    if (how === 'NODE_OPTIONS') return;
    // A worker killed is reforked into its slot, and takes the slot's port again.
    const victim = started.workers[workerPorts.indexOf(base + 2)] as number;
    process.kill(victim, 'SIGKILL');
    await waitGone([victim], 5000);
    const joined = await cluster.waitFor(
      (l) => l.role === 'master' && /^worker \d+ \(pid \d+\) ready$/.test(l.msg ?? ''),
      'the reforked worker ready',
    );
    const fresh = (joined.peers as { workers: number[] }).workers.find((pid) => !started.workers.includes(pid)) as number;
    assert.equal(inspectorPortOf(fresh, base), base + 2);
    assert.doesNotMatch(cluster.stderr, /address already in use/);
  });
}
