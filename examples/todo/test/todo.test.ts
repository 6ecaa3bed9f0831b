/**
 * Starts the todo app for real (master, agent, two workers on a free port)
 * and checks it from the outside, as a client would.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call as callApp, type RunningApp, startApp } from './app.js';

let app: RunningApp;

// The agent's quote task ticks fast here, so the test sees it change.
before(async () => {
  app = await startApp({ TODO_QUOTE_INTERVAL: '200ms' });
});

after(() => app.stop());

const call = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
  callApp(app.url, method, path, body, headers);

const postJson = (path: string, value: unknown) => call('POST', path, JSON.stringify(value), { 'content-type': 'application/json' });

test('the env config is merged over the default one, and the response-time middleware runs', async () => {
  const home = await call('GET', '/');
  assert.equal(home.status, 200);
  assert.deepEqual((home.json as { app: string; env: string }).app, 'todo (test)');
  assert.match(String(home.headers['x-response-time']), /^\d+\.\d+ms$/);
  assert.match(String(home.headers['x-request-id']), /^[\w-]{8,}$/);
});

test('POST /todos takes a JSON body; the agent keeps one list for every worker', async () => {
  const created = [];
  for (const title of ['write docs', 'ship it', 'rest']) {
    const reply = await postJson('/todos', { title });
    assert.equal(reply.status, 201);
    created.push(reply.json as { id: number; title: string });
  }
  assert.deepEqual(
    created.map((t) => t.title),
    ['write docs', 'ship it', 'rest'],
  );
  const list = await call('GET', '/todos');
  assert.deepEqual(
    (list.json as Array<{ title: string }>).map((t) => t.title),
    ['write docs', 'ship it', 'rest'],
  );
  const done = await call('POST', `/todos/${created[1]?.id}/done`);
  assert.equal((done.json as { done: boolean }).done, true);
  const stats = await call('GET', '/admin/stats');
  assert.equal((stats.json as { total: number }).total, 3);
  assert.equal((stats.json as { done: number }).done, 1);
});

test('bad input: invalid JSON is 400, an oversized body 413, a bad title 422, an unknown todo 404', async () => {
  const badJson = await call('POST', '/todos', '{"title": ', { 'content-type': 'application/json' });
  assert.equal(badJson.status, 400);
  const big = await postJson('/todos', { title: 'x'.repeat(20_000) });
  assert.equal(big.status, 413);
  const empty = await postJson('/todos', { title: '  ' });
  assert.equal(empty.status, 422);
  assert.equal((empty.json as { error: { message: string } }).error.message, 'title must be a non-empty string');
  const missing = await call('GET', '/todos/999');
  assert.equal(missing.status, 404);
  assert.equal((missing.json as { error: { message: string } }).error.message, 'no todo 999');
});

test('a crash in a handler is a 500 that shows its message outside production, as JSON or HTML by Accept', async () => {
  const json = await call('GET', '/boom');
  assert.equal(json.status, 500);
  assert.match((json.json as { error: { message: string } }).error.message, /hunter2/, 'env test shows the message');
  const html = await call('GET', '/boom', undefined, { accept: 'text/html' });
  assert.equal(html.status, 500);
  assert.match(String(html.headers['content-type']), /text\/html/);
});

test('the agent task pushes a new quote to every worker, which serves it', async () => {
  const seen = new Map<number, Set<string>>();
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && [...seen.values()].filter((texts) => texts.size >= 2).length < 2) {
    const reply = (await call('GET', '/quote')).json as { quote: { text: string } | null; worker: number };
    if (reply.quote !== null) {
      const texts = seen.get(reply.worker) ?? new Set<string>();
      texts.add(reply.quote.text);
      seen.set(reply.worker, texts);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(seen.size, 2, 'both workers served a quote');
  for (const [worker, texts] of seen) assert.ok(texts.size >= 2, `worker ${worker} served the quote changing: ${[...texts].join(' | ')}`);
});
