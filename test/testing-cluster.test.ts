/**
 * brood/testing's startTestCluster: a real master, agent and workers for a
 * test, which nothing of outlives the test process, even one killed by
 * SIGKILL.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, test } from 'node:test';
import { startTestCluster, type TestCluster } from 'brood/testing';
import { type Cluster, FIXTURES, isAlive, killAll, spawnNode, waitGone } from './helpers/cluster.js';

const APP = `${FIXTURES}testing`;
const SCRIPT = new URL('./fixtures/scripts/test-cluster.mjs', import.meta.url).pathname;
const RUNNER = new URL('./fixtures/scripts/runner.mjs', import.meta.url).pathname;

const running = new Set<TestCluster>();
afterEach(async () => {
  for (const cluster of running) await cluster.stop();
  running.clear();
  killAll();
});

/** The pids of this process's children now. */
function children(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[1] === String(process.pid);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function until<T>(get: () => Promise<T>, ok: (value: T) => boolean, what: string, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await get();
    if (ok(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('a real cluster: requests over a port, tasks, status, a worker killed and replaced, a reload, a stop that leaves nothing', async () => {
  const cluster = await startTestCluster({ baseDir: APP, workers: 2 });
  running.add(cluster);
  assert.match(cluster.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const reply = await cluster.request().get('/').expect(200);
  assert.deepEqual(reply.body, { greeting: 'hello from the test env, you' });
  assert.deepEqual((await cluster.request().get('/agent').expect(200)).body, { pong: 2, by: 'agent' });

  assert.equal((await cluster.runTask('count')).outcome, 'ok');
  await assert.rejects(cluster.runTask('fails'), { message: 'the task cannot reach the database' });
  await assert.rejects(cluster.runTask('nope'), { code: 'ERR_BROOD_TASK_UNKNOWN' });

  await cluster.mockService('greeter', 'greet', function (name) {
    return `${this.config.greeting} (mocked in every worker), ${name}`;
  });
  for (let i = 0; i < 4; i++) {
    // Fresh connections: the master hands them to both workers in turn.
    const mocked = await cluster.request().get('/').set('connection', 'close').expect(200);
    assert.equal(mocked.body.greeting, 'hello from the test env (mocked in every worker), you');
  }
  await assert.rejects(
    cluster.mockService('greeter', 'welcome' as 'greet', () => ''),
    {
      code: 'ERR_BROOD_MOCK_INVALID',
      message: 'mockService: service greeter has no method welcome (it has: greet)',
    },
  );
  await cluster.restoreMocks();
  assert.deepEqual((await cluster.request().get('/').expect(200)).body, { greeting: 'hello from the test env, you' });

  const status = await cluster.status();
  assert.deepEqual(status.processes.map((p) => p.role).sort(), ['agent', 'master', 'worker', 'worker']);
  assert.equal(status.env, 'test');
  const master = status.processes.find((p) => p.role === 'master')?.pid as number;

  const killed = await cluster.kill('worker');
  assert.ok(cluster.info.workers.includes(killed));
  const replaced = await until(
    () => cluster.status(),
    (s) => s.processes.filter((p) => p.role === 'worker' && p.state === 'ready' && p.pid !== killed).length === 2,
    'a new worker in place of the killed one',
  );
  await assert.rejects(cluster.kill(1), { code: 'ERR_BROOD_NO_TARGET' });

  const reload = await cluster.reload();
  assert.equal(reload.replaced.length, 2);
  await cluster.request().get('/').expect(200);

  const pids = [master, ...replaced.processes.map((p) => p.pid), ...reload.workers, reload.agent as number];
  await cluster.stop();
  await waitGone(pids, 1000);
  await cluster.stop();
});

test('a start that fails rejects with the error naming the file and the hook, and leaves no process', async () => {
  const before = children();
  await assert.rejects(
    startTestCluster({ baseDir: `${FIXTURES}worker-throws`, workers: 1, logLevel: 'silent' }),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_BROOD_HOOK_FAILED');
      assert.match(error.message, /^worker 1 \(pid \d+\) failed to start: app\.ts didLoad failed: the worker cannot read its templates$/);
      return true;
    },
  );
  const started = children().filter((pid) => !before.includes(pid));
  await waitGone(started, 5000);
});

test('the master is killed: stop() waits for its agent and workers to leave', async () => {
  const cluster = await startTestCluster({ baseDir: APP, workers: 1 });
  running.add(cluster);
  const { agent, workers } = cluster.info;
  const master = await cluster.kill('master');
  // Asked while the master dies: each request fails with TARGET_GONE, none becomes an uncaught EPIPE.
  const asked = await Promise.allSettled(Array.from({ length: 20 }, () => cluster.status()));
  for (const result of asked) {
    assert.equal(result.status, 'rejected');
    assert.equal((result as PromiseRejectedResult).reason.code, 'ERR_BROOD_TARGET_GONE');
  }
  await cluster.stop();
  await waitGone([master, agent, ...workers], 500);
  await assert.rejects(cluster.status(), { code: 'ERR_BROOD_TARGET_GONE' });
});

/** The cluster a test-process script (fixtures/scripts/test-cluster.mjs) says it started, every process of it alive. */
async function clusterOf(script: Cluster) {
  const line = (await script.waitFor((l) => l.event === 'test-cluster', 'the cluster started', 30_000)) as unknown as {
    pid: number;
    master: number;
    agent: number;
    workers: number[];
  };
  const pids = [line.master, line.agent, ...line.workers];
  assert.ok(pids.every(isAlive));
  return { line, pids };
}

for (const how of ['SIGKILL', 'exit'] as const) {
  test(`a test process that ${how === 'exit' ? 'ends without stop()' : 'is killed by SIGKILL'} leaves no process of its cluster`, async (t) => {
    const script = spawnNode(SCRIPT, how === 'exit' ? [APP, 'exit'] : [APP]);
    const { line, pids } = await clusterOf(script);
    process.kill(line.pid, how === 'SIGKILL' ? 'SIGKILL' : 'SIGUSR2');
    const exit = await script.exit(10_000);
    // The master stops the app within a second of its test process, then kills what is left.
    const ms = await waitGone(pids, 5000, script.exitedAt);
    t.diagnostic(
      `master, agent and ${line.workers.length} workers gone ${ms.toFixed(0)} ms after the test process (${exit.signal ?? exit.code})`,
    );
  });
}

test('a test runner killed by SIGKILL takes the cluster of its test process with it, though that process runs on', async (t) => {
  const runner = spawnNode(RUNNER, [SCRIPT, APP]);
  const { line, pids } = await clusterOf(runner);
  runner.child.kill('SIGKILL');
  await runner.exit(10_000);
  const ms = await waitGone(pids, 5000, runner.exitedAt);
  assert.ok(isAlive(line.pid), 'the test process itself runs on');
  t.diagnostic(`master, agent and ${line.workers.length} workers gone ${ms.toFixed(0)} ms after the runner`);
  process.kill(line.pid, 'SIGKILL');
  await waitGone([line.pid], 5000);
});
