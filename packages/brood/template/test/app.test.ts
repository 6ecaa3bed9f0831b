/**
 * The app booted in this process by brood/testing: the agent and one worker,
 * no port, tasks run when asked. Fast, with mocks: most tests belong here.
 * test/cluster.test.ts checks the same app as a real cluster.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { createTestApp, type TestApp } from 'brood/testing';

let app: TestApp;

before(async () => {
  app = await createTestApp();
});
afterEach(() => app.restoreMocks());
after(() => app.close());

test('GET / greets with the test config, through the service and the middleware', async () => {
  const reply = await app.httpRequest().get('/').expect(200).expect('x-powered-by', '{{name}}');
  assert.match(reply.body.message, /^hello from the tests from worker \d+$/);
});

test('a mocked service answers in its place', async () => {
  app.mockService('greeting', 'message', () => 'a mocked greeting');
  const reply = await app.httpRequest().get('/').expect(200);
  assert.equal(reply.body.message, 'a mocked greeting');
});

test('the agent counts visits: a round trip through the messenger', async () => {
  const before = await app.messenger.request('agent', 'visits:count', { path: '/from-the-test' });
  const reply = await app.httpRequest().get('/visits').expect(200);
  assert.equal(reply.body.total, before.total + 1);
});

test('the motd task, run now, pushes the message of the day to the workers', async () => {
  await app.httpRequest().get('/motd').expect(200, { motd: 'no message yet' });
  await app.runTask('motd');
  const reply = await app.httpRequest().get('/motd').expect(200);
  assert.notEqual(reply.body.motd, 'no message yet');
});
