/**
 * The hello app booted in this process by brood/testing (its agent and one
 * worker, no port). test/cluster.test.ts runs it as a real cluster.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestApp, type TestApp } from 'brood/testing';

let app: TestApp;

before(async () => {
  // The app folder, wherever the tests are run from.
  app = await createTestApp({ baseDir: fileURLToPath(new URL('..', import.meta.url)) });
});
after(() => app.close());

test('GET / answers from the worker', async () => {
  const reply = await app.httpRequest().get('/').expect(200);
  assert.equal(reply.text, `hello from worker ${process.pid}\n`);
});

test('GET /agent: the worker asks the agent through the messenger', async () => {
  const reply = await app.httpRequest().get('/agent').expect(200);
  assert.deepEqual(reply.body, { agent: process.pid, askedBy: process.pid, served: 1 });
  const direct = await app.messenger.request('agent', 'hello:whoami', { from: 42 });
  assert.deepEqual(direct, { agent: process.pid, askedBy: 42, served: 2 });
});
