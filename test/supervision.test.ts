import assert from 'node:assert/strict';
import { after, afterEach, test } from 'node:test';
import { isAlive, killAll, startBrood, waitGone } from './helpers/cluster.js';
import { get, getJson } from './helpers/http.js';
import { removeTempApps, tempApp } from './helpers/temp-app.js';

afterEach(killAll);
after(removeTempApps);

interface Peers {
  agent: number | null;
  workers: number[];
}

test('a worker that dies is reforked and serves again; the agent learns the new pid', async () => {
  const cluster = startBrood('basic');
  const started = await cluster.started();
  const { pid: victim } = await getJson<{ pid: number }>(`${started.url}/crash`);
  await waitGone([victim], 5000);
  const restarted = await cluster.waitFor((l) => l.role === 'master' && /exited unexpectedly/.test(l.msg ?? ''), 'refork log');
  assert.match(restarted.msg ?? '', new RegExp(`pid ${victim}`));
  const joined = await cluster.waitFor(
    (l) => l.role === 'master' && /^worker \d+ \(pid \d+\) ready$/.test(l.msg ?? ''),
    'new worker ready',
  );
  const peers = joined.peers as Peers;
  assert.equal(peers.workers.length, 2);
  assert.ok(!peers.workers.includes(victim));
  const fresh = peers.workers.find((pid) => !started.workers.includes(pid)) as number;
  assert.ok(isAlive(fresh));

  const seen = new Set<number>();
  for (let i = 0; i < 30 && seen.size < 2; i++) seen.add((await getJson<{ pid: number }>(`${started.url}/`)).pid);
  assert.ok(seen.has(fresh), 'the new worker serves');

  // The agent was told: its peers name the new worker.
  const agentPeers = await getJson<{ result: Peers }>(
    `${started.url}/agent-do/request?args=${encodeURIComponent(JSON.stringify(['agent', 'test:peers', null]))}`,
  );
  assert.deepEqual([...agentPeers.result.workers].sort(), [...peers.workers].sort());
});

test('an agent that dies after start-up is restarted, learns the workers, and workers learn its pid', async () => {
  const cluster = startBrood('basic');
  const started = await cluster.started();
  // The agent exits while answering: the pending request fails with ERR_BROOD_TARGET_GONE.
  const dying = await get(
    `${started.url}/do/request?args=${encodeURIComponent(JSON.stringify(['agent', 'test:die', null, { timeout: 5000 }]))}`,
  );
  assert.equal(dying.status, 500);
  assert.equal(JSON.parse(dying.body).code, 'ERR_BROOD_TARGET_GONE');
  await waitGone([started.agent], 5000);

  const back = await cluster.waitFor((l) => l.role === 'master' && /^agent \d+ ready$/.test(l.msg ?? ''), 'agent restarted');
  const newAgent = (back.peers as Peers).agent as number;
  assert.notEqual(newAgent, started.agent);
  assert.deepEqual([...(back.peers as Peers).workers].sort(), [...started.workers].sort());

  // Every worker now knows the new agent pid.
  const seen = new Map<number, Peers>();
  for (let i = 0; i < 30 && seen.size < 2; i++) {
    const { pid, peers } = await getJson<{ pid: number; peers: Peers }>(`${started.url}/peers`);
    seen.set(pid, peers);
  }
  for (const peers of seen.values()) assert.equal(peers.agent, newAgent);

  // The new agent knows the workers, and requests reach it.
  const echo = await getJson<{ agent: number }>(`${started.url}/agent`);
  assert.equal(echo.agent, newAgent);
  const agentPeers = await getJson<{ result: Peers }>(
    `${started.url}/agent-do/request?args=${encodeURIComponent(JSON.stringify(['agent', 'test:peers', null]))}`,
  );
  assert.deepEqual([...agentPeers.result.workers].sort(), [...started.workers].sort());
});

test('a request to a worker that exits before it replies fails with ERR_BROOD_TARGET_GONE, not a timeout', async () => {
  const cluster = startBrood('basic');
  const started = await cluster.started();
  const { result } = await getJson<{ result: { victim: number; code: string; ms: number } }>(
    `${started.url}/do/request?args=${encodeURIComponent(JSON.stringify(['agent', 'test:request-dying-worker', null, { timeout: 30_000 }]))}`,
  );
  assert.ok(started.workers.includes(result.victim));
  assert.equal(result.code, 'ERR_BROOD_TARGET_GONE', `the request ended with ${result.code} after ${Math.round(result.ms)} ms`);
  await waitGone([result.victim], 5000);
});

test('workers in a crash loop back off, doubling from restartDelay, then the master gives up with one line on stderr, exits 1 and leaves nothing behind', async () => {
  // Every worker exits 100 ms after the app is ready: a crash loop (maxRestarts 3 in package.json).
  const cluster = startBrood('crash-loop');
  const started = await cluster.started();
  const exit = await cluster.exit(30_000);
  assert.equal(exit.code, 1);
  const fatal = cluster.lines.find((l) => l.role === 'master' && l.level === 60);
  const cause = /^worker [12] crashed 4 times in a row, each time within 1000 ms of being ready; giving up$/;
  assert.match(fatal?.msg ?? '', cause);
  assert.equal(cluster.stderr.trim(), `brood: ${fatal?.msg} (ERR_BROOD_TOO_MANY_RESTARTS)`, 'the cause, in one line on stderr');
  // Each slot backs off on its own: 100, 200, 400 ms, as logged by the master.
  const waits = (slot: string) => cluster.lines.filter((l) => l.role === 'master' && l.slot === slot).map((l) => l.wait);
  const slot = (fatal?.msg ?? '').slice(0, 'worker 1'.length);
  assert.deepEqual(waits(slot), [100, 200, 400]);
  const pids = [...cluster.pids].filter((pid) => pid !== cluster.pid);
  await waitGone([started.agent, ...pids], 3000);
});

test('a worker that ran for minUptime is replaced at once, every time: five kills, no growing wait', async (t) => {
  const cluster = startBrood('basic', ['--workers', '1']);
  const started = await cluster.started();
  let victim = started.workers[0] as number;
  const replacedInMs: number[] = [];
  for (let kill = 0; kill < 5; kill++) {
    // Past minUptime (1000 ms by default) since the worker was ready: its crash is an accident, not a loop.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const from = cluster.lines.length;
    const killedAt = performance.now();
    process.kill(victim, 'SIGKILL');
    const exited = await cluster.waitFor((l) => l.role === 'master' && /exited unexpectedly/.test(l.msg ?? ''), 'the exit', 15_000, from);
    assert.equal(exited.wait, 0, `kill ${kill + 1}: ${exited.msg}`);
    assert.match(exited.msg ?? '', /restarting at once$/);
    const ready = await cluster.waitFor(
      (l) => l.role === 'master' && /^worker \d+ \(pid \d+\) ready$/.test(l.msg ?? ''),
      'the new worker',
      15_000,
      from,
    );
    const next = (ready.peers as Peers).workers[0] as number;
    assert.equal((await getJson<{ pid: number }>(`${started.url}/`)).pid, next);
    replacedInMs.push(Math.round(performance.now() - killedAt));
    victim = next;
  }
  t.diagnostic(`kill -9 to a new worker serving, ms: ${replacedInMs.join(', ')}`);
});

test('an uncaught exception ends the agent or a worker with exit code 1, and it is restarted', async () => {
  const dir = tempApp({
    'agent.ts': [
      "import type { Agent } from 'brood';",
      'export default (agent: Agent) => {',
      "  agent.messenger.on('test:throw', () => {",
      "    setImmediate(() => { throw new Error('a bug in the agent'); });",
      '  });',
      '};',
      '',
    ].join('\n'),
    'app/router.ts': [
      "import type { Application, Router } from 'brood';",
      'export default (router: Router, app: Application) => {',
      "  router.get('/agent-throw', (ctx) => { app.messenger.sendToAgent('test:throw' as never, null as never); ctx.body = 'sent'; });",
      "  router.get('/throw', (ctx) => { setImmediate(() => { throw new Error('a bug in the worker'); }); ctx.body = 'thrown'; });",
      '};',
      '',
    ].join('\n'),
  });
  const cluster = startBrood(dir);
  const started = await cluster.started();
  await get(`${started.url}/agent-throw`);
  const agentExit = await cluster.waitFor((l) => l.role === 'master' && /^agent .*exited unexpectedly/.test(l.msg ?? ''), 'agent exit');
  assert.match(agentExit.msg ?? '', /exited unexpectedly with code 1;/);
  await cluster.waitFor((l) => l.role === 'master' && /^agent \d+ ready$/.test(l.msg ?? ''), 'agent restarted');
  await get(`${started.url}/throw`);
  const workerExit = await cluster.waitFor((l) => l.role === 'master' && /^worker .*exited unexpectedly/.test(l.msg ?? ''), 'worker exit');
  assert.match(workerExit.msg ?? '', /exited unexpectedly with code 1;/);
});
