/**
 * brood/testing's createTestApp: the app booted in the test process, on the
 * fixture test/fixtures/apps/testing (and the failing fixtures for boot
 * errors). Every app is closed in the test that made it, or by afterEach.
 */
import assert from 'node:assert/strict';
import { after, afterEach, test } from 'node:test';
import { createTestApp, type TestApp } from 'brood/testing';
import { FIXTURES } from './helpers/cluster.js';
import { removeTempApps, tempApp } from './helpers/temp-app.js';

const APP = `${FIXTURES}testing`;
/** What the fixture records (lib/record.ts), shared by every app this file boots. */
const recorded = (globalThis as Record<symbol, { hooks: string[]; runs: Record<string, number> }>)[Symbol.for('brood.fixture.testing')] ?? {
  hooks: [],
  runs: {},
};
(globalThis as Record<symbol, unknown>)[Symbol.for('brood.fixture.testing')] = recorded;

const open = new Set<TestApp>();
async function boot(options: Parameters<typeof createTestApp>[0] = {}): Promise<TestApp> {
  recorded.hooks.length = 0;
  for (const name of Object.keys(recorded.runs)) delete recorded.runs[name];
  const app = await createTestApp({ baseDir: APP, ...options });
  open.add(app);
  return app;
}
afterEach(async () => {
  for (const app of open) await app.close();
  open.clear();
});
after(removeTempApps);

/** Polls `check` every 10 ms until it holds; fails after `ms`. */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('a route crosses the middleware, a service and the test env config, without a port', async () => {
  const app = await boot();
  const reply = await app.httpRequest().get('/').expect(200);
  assert.deepEqual(reply.body, { greeting: 'hello from the test env, you' });
  assert.equal(reply.headers['x-stamp'], 'from config');
  assert.match(String(reply.headers['x-request-id']), /^[\w-]{8,}$/);
  assert.equal(app.worker.server?.listening, false, 'the worker listens on no port');
  const echoed = await app
    .httpRequest()
    .post('/echo')
    .send({ a: [1, 2] })
    .expect(200);
  assert.deepEqual(echoed.body, { a: [1, 2] });
  await app.httpRequest().get('/nowhere').expect(404);
  const many = await Promise.all(Array.from({ length: 20 }, (_, i) => app.httpRequest().get(`/users/${i}`)));
  assert.deepEqual(
    many.map((r) => r.body.id),
    Array.from({ length: 20 }, (_, i) => i),
  );
});

test('hooks run in the order of a real start: the agent, then the worker, then serverDidReady; close runs the worker then the agent', async () => {
  const app = await boot();
  const phases = ['configWillLoad', 'configDidLoad', 'didLoad', 'willReady', 'didReady'];
  assert.deepEqual(recorded.hooks.slice(0, 10), [...phases.map((h) => `agent:${h}`), ...phases.map((h) => `worker:${h}`)]);
  // The app serves once both ran serverDidReady; between processes, a cluster sets no order.
  assert.deepEqual(recorded.hooks.slice(10).sort(), ['agent:serverDidReady', 'worker:serverDidReady']);
  await app.close();
  assert.deepEqual(recorded.hooks.slice(12), ['worker:beforeClose', 'agent:beforeClose']);
  await app.close();
  assert.equal(recorded.hooks.length, 14, 'a second close runs nothing again');
  await assert.rejects(app.runTask('count'), { code: 'ERR_BROOD_NOT_RUNNING' });
});

test('the messenger routes as in a cluster of one worker, through JSON as IPC does', async () => {
  const app = await boot();
  const { agent, worker } = app;
  const peers = worker.peers;
  assert.ok(peers.agent !== null && peers.agent > 2 ** 22, `agent pid ${peers.agent} is no real process's`);
  assert.equal(peers.workers.length, 1);
  assert.deepEqual(agent.peers, peers);
  const [workerPid] = peers.workers as [number];

  assert.deepEqual(await app.messenger.request('agent', 'test:ping', { n: 1 }), { pong: 2, by: 'agent' });
  assert.deepEqual(await agent.messenger.request('random', 'test:ping', { n: 2 }), { pong: 3, by: 'worker' });
  assert.deepEqual(await agent.messenger.request(workerPid, 'test:ping', { n: 3 }), { pong: 4, by: 'worker' });
  assert.deepEqual(await worker.messenger.request(peers.agent, 'test:ping', { n: 4 }), { pong: 5, by: 'agent' });
  assert.deepEqual((await app.httpRequest().get('/agent').expect(200)).body, { pong: 2, by: 'agent' });

  agent.messenger.sendToApp('test:pushed', { text: 'to the app' });
  agent.messenger.broadcast('test:pushed', { text: 'to all' });
  agent.messenger.sendRandom('test:pushed', { text: 'to one' });
  agent.messenger.sendTo(workerPid, 'test:pushed', { text: 'to a pid' });
  // One channel keeps order: the request comes after the four messages.
  assert.deepEqual(await agent.messenger.request('random', 'test:heard', undefined), ['to the app', 'to all', 'to one', 'to a pid']);

  const echoed = await app.messenger.request('agent', 'test:echo', { at: new Date(0), gone: undefined, fn: () => 1 });
  assert.deepEqual(echoed, { at: '1970-01-01T00:00:00.000Z' }, 'what IPC cannot carry does not arrive');
  await assert.rejects(app.messenger.request('agent', 'test:throw', undefined), { message: 'the agent says no' });
  await assert.rejects(
    app.messenger.request('agent', 'test:heard', undefined),
    (error: Error & { code?: string }) => error.code === 'ERR_BROOD_NO_HANDLER' && /has no handler for test:heard/.test(error.message),
  );
});

test('no task ticks, not even an immediate one; runTask runs one where its type says', async () => {
  const app = await boot();
  // Nothing to wait for: the push task would have run at start and every 50 ms since.
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(recorded.runs.push, undefined);
  assert.deepEqual(await app.agent.messenger.request('random', 'test:heard', undefined), []);

  const push = await app.runTask('push');
  assert.equal(push.outcome, 'ok');
  assert.equal(recorded.runs.push, 1);
  assert.deepEqual(await app.agent.messenger.request('random', 'test:heard', undefined), ['pushed by the agent']);
  assert.equal((await app.runTask('count')).outcome, 'ok');
  assert.equal((await app.runTask('everywhere')).outcome, 'ok');
  assert.deepEqual(recorded.runs, { push: 1, count: 1, everywhere: 1 });

  await assert.rejects(app.runTask('fails'), (error: Error & { code?: string }) => {
    assert.equal(error.message, 'the task cannot reach the database');
    assert.match(String(error.stack), /app\/schedule\/fails\.(?:js|ts)/, 'the stack is where the task threw');
    return true;
  });
  await assert.rejects(app.runTask('nope'), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'ERR_BROOD_TASK_UNKNOWN');
    assert.match(error.message, /no task named nope; known tasks: count, everywhere, fails, push/);
    return true;
  });
});

test('with schedule: true the tasks tick as in a cluster', async () => {
  const app = await boot({ schedule: true });
  await until(() => (recorded.runs.push ?? 0) >= 2, 'the push task ticked twice');
  await until(
    async () => (await app.agent.messenger.request('random', 'test:heard', undefined)).length >= 2,
    'the worker heard two pushes',
  );
});

test('mockService replaces a method, nested services too, until restoreMocks; unknown names are refused', async () => {
  const app = await boot();
  app.mockService('greeter', 'greet', function (name) {
    return `${this.config.greeting} (mocked), ${name}`;
  });
  app.mockService('admin.user', 'find', async (id) => ({ id, name: 'mocked' }));
  assert.deepEqual((await app.httpRequest().get('/').expect(200)).body, { greeting: 'hello from the test env (mocked), you' });
  assert.deepEqual((await app.httpRequest().get('/users/7').expect(200)).body, { id: 7, name: 'mocked' });
  assert.equal(app.service.greeter.greet('me'), 'hello from the test env (mocked), me');
  app.restoreMocks();
  assert.deepEqual((await app.httpRequest().get('/users/7').expect(200)).body, { id: 7, name: 'user 7' });
  assert.equal(app.service.greeter.greet('me'), 'hello from the test env, me');
  assert.equal(
    await app
      .mockContext('/users')
      .service.admin.user.find(3)
      .then((u) => u.name),
    'user 3',
  );

  assert.throws(
    () => app.mockService('greeting' as 'greeter', 'greet', () => ''),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_BROOD_MOCK_INVALID');
      assert.equal(error.message, 'mockService: no service greeting (known: admin.user, greeter)');
      return true;
    },
  );
  assert.throws(() => app.mockService('greeter', 'welcome' as 'greet', () => ''), {
    code: 'ERR_BROOD_MOCK_INVALID',
    message: 'mockService: service greeter has no method welcome (it has: greet)',
  });
});

test('mockConfig changes what code reads at run time; the config option what it reads at boot', async () => {
  const app = await boot();
  app.mockConfig({ greeting: 'hi', limits: { items: 1 } });
  const mocked = await app.httpRequest().get('/config').expect(200);
  assert.deepEqual(mocked.body, { greeting: 'hi', limits: { items: 1, pages: 10 } });
  assert.equal(mocked.headers['x-stamp'], 'from config', 'middleware options were read at boot');
  assert.equal(app.agent.config.greeting, 'hi');
  app.restoreMocks();
  assert.deepEqual((await app.httpRequest().get('/config')).body, { greeting: 'hello from the test env', limits: { items: 3, pages: 10 } });
  await app.close();

  const configured = await boot({ config: { stamp: { value: 'from the test' }, limits: { pages: 2 } } });
  const reply = await configured.httpRequest().get('/config').expect(200);
  assert.equal(reply.headers['x-stamp'], 'from the test');
  assert.deepEqual(reply.body.limits, { items: 3, pages: 2 });
  assert.deepEqual(configured.agent.config.limits, { items: 3, pages: 2 });
  assert.throws(() => configured.mockConfig([] as never), { code: 'ERR_BROOD_MOCK_INVALID' });
});

test('two test apps of one folder run side by side, each with its own agent and worker', async () => {
  const [one, two] = await Promise.all([boot(), boot()]);
  assert.notDeepEqual(one.worker.peers, two.worker.peers);
  one.agent.messenger.sendToApp('test:pushed', { text: 'one' });
  assert.deepEqual(await two.agent.messenger.request('random', 'test:heard', undefined), []);
  assert.deepEqual(await one.agent.messenger.request('random', 'test:heard', undefined), ['one']);
});

test('a boot that fails rejects with the file and the hook, and closes what had booted', async () => {
  await assert.rejects(createTestApp({ baseDir: `${FIXTURES}worker-throws` }), (error: Error & { code?: string; cause?: Error }) => {
    assert.equal(error.code, 'ERR_BROOD_HOOK_FAILED');
    assert.equal(error.message, 'worker failed to start: app.ts didLoad failed: the worker cannot read its templates');
    assert.equal(error.cause?.message, 'app.ts didLoad failed: the worker cannot read its templates');
    return true;
  });
  await assert.rejects(createTestApp({ baseDir: `${FIXTURES}agent-throws` }), {
    code: 'ERR_BROOD_HOOK_FAILED',
    message: 'agent failed to start: agent.ts willReady failed: the agent cannot reach its database',
  });
  await assert.rejects(createTestApp({ baseDir: `${FIXTURES}config-throws` }), {
    code: 'ERR_BROOD_CONFIG_INVALID',
    message: 'agent failed to start: config/config.default.ts threw: FIXTURE_SECRET is not set',
  });
  await assert.rejects(createTestApp({ baseDir: `${FIXTURES}syntax-error` }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'ERR_BROOD_COMPILE_FAILED');
    assert.match(error.message, /^cannot compile app\/router\.ts:\d+:\d+: /);
    return true;
  });
  await assert.rejects(createTestApp({ baseDir: `${FIXTURES}no-such-app` }), { code: 'ERR_BROOD_APP_NOT_FOUND' });

  const key = Symbol.for('brood.fixture.testing.closed');
  const dir = tempApp({
    'agent.ts': `export default () => ({ beforeClose() { globalThis[Symbol.for('brood.fixture.testing.closed')] = 'agent closed'; } });`,
    'app.ts': `export default () => ({ willReady() { return new Promise(() => {}); } });`,
  });
  await assert.rejects(createTestApp({ baseDir: dir, startTimeout: 300 }), {
    code: 'ERR_BROOD_BOOT_TIMEOUT',
    message: 'worker failed to start: worker did not become ready within 300 ms: app.ts willReady has not resolved',
  });
  assert.equal((globalThis as Record<symbol, unknown>)[key], 'agent closed', "the agent's beforeClose ran");

  const late = tempApp({ 'app.ts': `export default () => ({ serverDidReady() { throw new Error('late'); } });` });
  await assert.rejects(createTestApp({ baseDir: late, logLevel: 'silent' }), {
    code: 'ERR_BROOD_HOOK_FAILED',
    message: 'worker failed to start: app.ts serverDidReady failed: late',
  });
});
