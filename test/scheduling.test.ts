import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { killAll, startBrood } from './helpers/cluster.js';
import { getJson } from './helpers/http.js';
import { holdsSocket, listeningInodes } from './helpers/sockets.js';

afterEach(killAll);

const cases = [
  { name: 'rr (flag)', args: ['--sched', 'rr'], env: {}, policy: 'rr' },
  { name: 'none (flag)', args: ['--sched', 'none'], env: {}, policy: 'none' },
  { name: 'none (BROOD_SCHED_POLICY)', args: [], env: { BROOD_SCHED_POLICY: 'none' }, policy: 'none' },
  { name: 'rr (BROOD_SCHED_POLICY)', args: [], env: { BROOD_SCHED_POLICY: 'rr' }, policy: 'rr' },
] as const;

for (const c of cases) {
  test(`schedulingPolicy ${c.name} serves from every worker, with the socket where the policy puts it`, async () => {
    const cluster = startBrood('basic', [...c.args], c.env);
    const started = await cluster.started();
    const seen = new Set<number>();
    for (let i = 0; i < 40 && seen.size < 2; i++) seen.add((await getJson<{ pid: number }>(`${started.url}/`)).pid);
    if (c.policy === 'rr') assert.equal(seen.size, 2, 'round-robin spreads fresh connections over both workers');
    else assert.ok(seen.size >= 1, 'the kernel hands connections to the workers');

    const inodes = listeningInodes(new URL(started.url).port === '' ? 80 : Number(new URL(started.url).port));
    assert.ok(inodes.size > 0, 'the port is listening');
    assert.ok(holdsSocket(cluster.pid, inodes), 'the master holds the listening socket');
    for (const pid of started.workers) {
      // rr: the master accepts and passes connections; none: every worker accepts on the shared socket itself.
      assert.equal(
        holdsSocket(pid, inodes),
        c.policy === 'none',
        `worker ${pid} ${c.policy === 'none' ? 'holds' : 'does not hold'} the listening socket`,
      );
    }
  });
}
