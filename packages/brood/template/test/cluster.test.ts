/**
 * The app as it runs in production, started by brood/testing: a master, the
 * agent and two workers on a free port. Slower than test/app.test.ts: for
 * what needs real processes.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { startTestCluster, type TestCluster } from 'brood/testing';

let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster({ workers: 2 });
});
afterEach(() => cluster.restoreMocks());
after(() => cluster.stop());

test('GET / is served over a real port, through the service and the middleware', async () => {
  const reply = await cluster.request().get('/').expect(200).expect('x-powered-by', '{{name}}');
  assert.match(reply.body.message, /^hello from the tests from worker \d+$/);
  assert.ok(cluster.info.workers.includes(reply.body.worker));
});

test('a mocked service answers in its place, in every worker', async () => {
  // The mock travels to the workers as its source: it may use its arguments and `this`, not the test's variables.
  await cluster.mockService('greeting', 'message', () => 'a mocked greeting');
  const reply = await cluster.request().get('/').expect(200);
  assert.equal(reply.body.message, 'a mocked greeting');
});

test('one agent counts the visits of every worker', async () => {
  const first = await cluster.request().get('/visits').expect(200);
  const second = await cluster.request().get('/visits').expect(200);
  assert.equal(second.body.total, first.body.total + 1);
  assert.equal(second.body.agent, cluster.info.agent);
});

test('the motd task runs in the agent and reaches the workers', async () => {
  const result = await cluster.runTask('motd');
  assert.equal(result.outcome, 'ok');
  const reply = await cluster.request().get('/motd').expect(200);
  assert.notEqual(reply.body.motd, 'no message yet');
});
