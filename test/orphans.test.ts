import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { FIXTURES, isAlive, killAll, spawnNode, startBrood, waitGone } from './helpers/cluster.js';

afterEach(killAll);

const CRASH_MASTER = new URL('./fixtures/scripts/crash-master.mjs', import.meta.url).pathname;

test('SIGKILL of the master: the agent and every worker exit on their own within a second', async (t) => {
  const cluster = startBrood('basic');
  const started = await cluster.started();
  const children = [started.agent, ...started.workers];
  assert.ok(children.every(isAlive));
  cluster.signal('SIGKILL');
  const ms = await waitGone(children, 1000);
  t.diagnostic(`agent and ${started.workers.length} workers gone ${ms.toFixed(1)} ms after the master's SIGKILL`);
  // The agent ran its close hook while it had time.
  await cluster.waitFor((l) => l.role === 'agent' && l.event === 'test:before-close', 'agent beforeClose', 2000);
});

test('an uncaught exception in the master: the agent and every worker exit within a second', async (t) => {
  const cluster = spawnNode(CRASH_MASTER, [`${FIXTURES}basic`]);
  cluster.title = `crash-${cluster.pid}`;
  cluster.dir = `${FIXTURES}basic`;
  const started = await cluster.started();
  const children = [started.agent, ...started.workers];
  await cluster.waitFor((l) => l.role === 'master' && /master crashed: a bug in the master/.test(l.msg ?? ''), 'crash log');
  const exit = await cluster.exit(5000);
  assert.equal(exit.code, 1);
  // Counted from the master's exit, not from when its output was read to the end.
  const ms = await waitGone(children, 1000, cluster.exitedAt);
  t.diagnostic(`children gone ${ms.toFixed(1)} ms after the master exited`);
});
