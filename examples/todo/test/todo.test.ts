/**
 * The todo app booted in this process by brood/testing: its agent and one
 * worker, no port, tasks run when asked. test/cluster.test.ts and
 * test/restart.test.ts run it as a real cluster.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestApp, type TestApp } from 'brood/testing';

let app: TestApp;

before(async () => {
  app = await createTestApp({ baseDir: fileURLToPath(new URL('..', import.meta.url)) });
});
afterEach(() => app.restoreMocks());
after(() => app.close());

const postJson = (path: string, value: unknown) =>
  app
    .httpRequest()
    .post(path)
    .send(value as object);

test('the env config is merged over the default one, and the response-time middleware runs', async () => {
  const home = await app.httpRequest().get('/').expect(200);
  assert.equal(home.body.app, 'todo (test)');
  assert.equal(home.body.env, 'test');
  assert.match(String(home.headers['x-response-time']), /^\d+\.\d+ms$/);
  assert.match(String(home.headers['x-request-id']), /^[\w-]{8,}$/);
  assert.equal(app.config.todo.pageSize, 5);
});

test('POST /todos takes a JSON body; the agent keeps the list', async () => {
  const created = [];
  for (const title of ['write docs', 'ship it', 'rest']) {
    const reply = await postJson('/todos', { title }).expect(201);
    created.push(reply.body as { id: number; title: string });
  }
  const list = await app.httpRequest().get('/todos').expect(200);
  assert.deepEqual(
    list.body.map((t: { title: string }) => t.title),
    ['write docs', 'ship it', 'rest'],
  );
  const done = await app.httpRequest().post(`/todos/${created[1]?.id}/done`).expect(200);
  assert.equal(done.body.done, true);
  const stats = await app.messenger.request('agent', 'todo:stats', undefined);
  assert.equal(stats.total, 3);
  assert.equal(stats.done, 1);
});

test('bad input: invalid JSON is 400, an oversized body 413, a bad title 422, an unknown todo 404', async () => {
  await app.httpRequest().post('/todos').set('content-type', 'application/json').send('{"title": ').expect(400);
  await postJson('/todos', { title: 'x'.repeat(20_000) }).expect(413);
  const empty = await postJson('/todos', { title: '  ' }).expect(422);
  assert.equal(empty.body.error.message, 'title must be a non-empty string');
  const missing = await app.httpRequest().get('/todos/999').expect(404);
  assert.equal(missing.body.error.message, 'no todo 999');
});

test('a crash in a handler is a 500 that shows its message outside production', async () => {
  const reply = await app.httpRequest().get('/boom').set('accept', 'application/json').expect(500);
  assert.match(reply.body.error.message, /hunter2/);
});

test('a mocked service: the list comes from the mock, not from the agent', async () => {
  app.mockService('todo', 'list', async () => [{ id: 7, title: 'from the mock', done: false, createdBy: 0 }]);
  const list = await app.httpRequest().get('/todos').expect(200);
  assert.deepEqual(list.body, [{ id: 7, title: 'from the mock', done: false, createdBy: 0 }]);
});

test('the refresh-quote task, run now, pushes a new quote that the worker serves', async () => {
  await app.runTask('refresh-quote');
  const first = (await app.httpRequest().get('/quote').expect(200)).body.quote;
  assert.notEqual(first, null);
  await app.runTask('refresh-quote');
  const second = (await app.httpRequest().get('/quote').expect(200)).body.quote;
  assert.notEqual(second.text, first.text);
});
