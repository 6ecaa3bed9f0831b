import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { after, afterEach, test } from 'node:test';
import { BROOD_BIN, Cluster, FIXTURES, killAll, type LogLine, startBrood } from './helpers/cluster.js';
import { get, getJson } from './helpers/http.js';
import { removeTempApps, tempApp } from './helpers/temp-app.js';

afterEach(killAll);
after(removeTempApps);

const indexOf = (lines: LogLine[], match: (line: LogLine) => boolean): number => lines.findIndex(match);

test('start serves on the printed URL across several workers and logs one ready line', async () => {
  const cluster = startBrood('basic');
  const started = await cluster.started();
  assert.match(started.msg ?? '', /^brood started: http:\/\/127\.0\.0\.1:\d+, 2 workers, agent \d+, in \d+ ms$/);
  assert.equal(started.workers.length, 2);
  assert.equal(cluster.lines.filter((l) => l.event === 'started').length, 1);

  const seen = new Set<number>();
  for (let i = 0; i < 20 && seen.size < 2; i++) {
    seen.add((await getJson<{ pid: number }>(`${started.url}/`)).pid);
  }
  assert.deepEqual([...seen].sort(), [...started.workers].sort(), 'fresh connections reach both workers');
  const agent = await getJson<{ agent: number }>(`${started.url}/agent`);
  assert.equal(agent.agent, started.agent);
});

test('workers load while the agent boots, but no worker hook runs before the agent is ready; app-ready reaches everyone after the last worker listens', async () => {
  // The agent takes 400 ms more to be ready: the workers, forked with it, are loaded long before.
  const cluster = startBrood('basic', ['--workers', '3'], { TEST_SLOW_AGENT_MS: '400' });
  const started = await cluster.started();
  await cluster.waitFor((l) => l.event === 'test:server-did-ready' && l.role === 'agent', 'agent serverDidReady');
  await cluster.waitFor(
    () => cluster.lines.filter((l) => l.event === 'test:server-did-ready' && l.role === 'worker').length === 3,
    'every worker serverDidReady',
  );
  const { lines } = cluster;
  const agentReady = indexOf(lines, (l) => l.role === 'agent' && l.event === 'ready');
  const agentReadyAt = lines[agentReady]?.time as number;
  const boots = lines.filter((l) => l.event === 'test:worker-boot');
  assert.equal(boots.length, 3);
  for (const boot of boots) {
    // The process started before the agent was ready (clock times of the same machine)…
    assert.ok(
      (boot.processStart as number) < agentReadyAt,
      `worker ${boot.pid} started ${(boot.processStart as number) - agentReadyAt} ms after the agent was ready`,
    );
    // …and its first hook (configWillLoad, which logs test:worker-boot) ran after.
    assert.ok((boot.time as number) >= agentReadyAt, `worker ${boot.pid} ran configWillLoad before the agent was ready`);
  }
  const agentDidReady = indexOf(lines, (l) => l.event === 'test:agent-did-ready');
  const firstWorkerHook = indexOf(lines, (l) => l.event === 'test:worker-boot');
  assert.ok(agentDidReady >= 0 && agentReady > agentDidReady && firstWorkerHook > agentReady, "the agent's hooks ran before any worker's");
  // The master's record of start-up says the same: every worker had loaded before the agent was ready.
  const boot = started.boot as { fork: number; workersLoaded: number[]; agentReady: number; workersReady: number[] };
  assert.equal(boot.workersLoaded.length, 3);
  for (const loaded of boot.workersLoaded) assert.ok(boot.fork <= loaded && loaded <= boot.agentReady);
  for (const ready of boot.workersReady) assert.ok(ready >= boot.agentReady);

  const workerReady = lines.map((l, i) => (l.role === 'worker' && l.event === 'ready' ? i : -1)).filter((i) => i >= 0);
  assert.equal(workerReady.length, 3);
  const lastListen = Math.max(...workerReady);
  const appReady = lines.map((l, i) => (l.event === 'test:server-did-ready' ? i : -1)).filter((i) => i >= 0);
  assert.equal(appReady.length, 4, 'agent and three workers saw app-ready');
  for (const index of appReady) assert.ok(index > lastListen, 'app-ready only after the last worker listens');
  const startedAt = indexOf(lines, (l) => l.event === 'started');
  assert.ok(startedAt > lastListen);
});

test("a worker's wait for the agent does not count against workerStartTimeout", async () => {
  // The agent takes 4 s; a worker may take 2 s of its own, and would be out of time had the wait counted.
  const app = tempApp({
    'package.json': JSON.stringify({ name: 'slow-agent', private: true, type: 'module', brood: { workerStartTimeout: 2000 } }),
    'agent.ts': 'export default { async willReady() { await new Promise((resolve) => setTimeout(resolve, 4000)); } };\n',
    'app/router.ts': "export default (router) => { router.get('/', (ctx) => { ctx.body = 'ok'; }); };\n",
  });
  const cluster = startBrood(app);
  const started = await cluster.started(30_000);
  assert.equal(started.workers.length, 2);
  const boot = started.boot as { workersLoaded: number[]; agentReady: number };
  for (const loaded of boot.workersLoaded) assert.ok(boot.agentReady - loaded > 2000, 'the workers waited longer than their own limit');
});

test('a request that arrives before app-ready waits and never reaches app code early', async () => {
  // Worker 2 boots 1.5 s late: worker 1 listens long before the application is ready.
  const cluster = startBrood('basic', [], { TEST_SLOW_WORKER_MS: '1500' });
  const firstReady = await cluster.waitFor((l) => l.role === 'worker' && l.event === 'ready', 'first worker ready');
  const address = firstReady.address as { port: number };
  const reply = get(`http://127.0.0.1:${address.port}/`);
  const startedIndexBefore = cluster.lines.findIndex((l) => l.event === 'started');
  assert.equal(startedIndexBefore, -1, 'the app is not ready yet when the request is sent');
  const response = await reply;
  assert.equal(response.status, 200);
  assert.equal((JSON.parse(response.body) as { appReady: boolean }).appReady, true, 'app code ran only after app-ready');
  assert.ok(cluster.lines.some((l) => l.event === 'started'));
});

test('the default worker count is os.availableParallelism()', async () => {
  const cluster = new Cluster(process.execPath, [BROOD_BIN, 'start', `${FIXTURES}basic`, '--port', '0'], { BROOD_ENV: 'test' });
  const started = await cluster.started();
  assert.equal(started.workers.length, availableParallelism());
});

test('the default worker count follows a CPU limit: one worker on one allowed CPU', async (t) => {
  // taskset (util-linux) limits the CPUs the master may use: availableParallelism() sees 1, os.cpus() still all.
  if (spawnSync('taskset', ['--version']).status !== 0) {
    t.skip('taskset is not installed');
    return;
  }
  const cluster = new Cluster('taskset', ['-c', '0', process.execPath, BROOD_BIN, 'start', `${FIXTURES}basic`, '--port', '0'], {
    BROOD_ENV: 'test',
  });
  const started = await cluster.started();
  assert.equal(started.workers.length, 1);
  assert.match(started.msg ?? '', /, 1 worker, /);
});
