/**
 * The connection scheduling policy (`rr` or `none`, as Node's cluster): where
 * it comes from (flag, BROOD_SCHED_POLICY, package.json) and where it puts
 * the listening socket. Its precedence alone is checked without a cluster in
 * packages/master/test/options.test.ts.
 */
import assert from 'node:assert/strict';
import { after, afterEach, test } from 'node:test';
import { killAll, startBrood } from './helpers/cluster.js';
import { getJson } from './helpers/http.js';
import { holdsSocket, listeningInodes } from './helpers/sockets.js';
import { removeTempApps, tempApp } from './helpers/temp-app.js';

afterEach(killAll);
after(removeTempApps);

/** An app whose package.json asks for `none`: only BROOD_SCHED_POLICY=rr can make it rr. */
const pinnedNone = () =>
  tempApp({
    'package.json': JSON.stringify({ name: 'pinned', private: true, type: 'module', brood: { schedulingPolicy: 'none' } }),
    'app/router.ts': "export default (router) => { router.get('/', (ctx) => { ctx.body = { pid: process.pid }; }); };\n",
  });

const cases = [
  { name: 'rr (flag)', app: () => 'basic', args: ['--sched', 'rr'], env: {}, policy: 'rr' },
  { name: 'none (flag)', app: () => 'basic', args: ['--sched', 'none'], env: {}, policy: 'none' },
  { name: 'none (BROOD_SCHED_POLICY)', app: () => 'basic', args: [], env: { BROOD_SCHED_POLICY: 'none' }, policy: 'none' },
  { name: 'rr (BROOD_SCHED_POLICY over package.json none)', app: pinnedNone, args: [], env: { BROOD_SCHED_POLICY: 'rr' }, policy: 'rr' },
  { name: 'none (package.json)', app: pinnedNone, args: [], env: {}, policy: 'none' },
] as const;

for (const c of cases) {
  test(`schedulingPolicy ${c.name} serves from every worker, with the socket where the policy puts it`, async () => {
    const cluster = startBrood(c.app(), [...c.args], c.env);
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
