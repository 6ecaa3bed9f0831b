/**
 * Starts the todo app for real (master, agent, two workers on a free port)
 * and checks it from the outside, as a client would.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const bin = join(dirname(fileURLToPath(import.meta.resolve('brood'))), '../bin/brood.js');

let master: ChildProcess;
let url = '';
const stdout: string[] = [];

before(async () => {
  master = spawn(
    process.execPath,
    [bin, 'start', appDir, '--port', '0', '--workers', '2', '--env', 'test', '--title', `test-${process.pid}`],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
      // The agent's quote task ticks fast here, so the test sees it change.
      env: { ...process.env, TODO_QUOTE_INTERVAL: '200ms' },
    },
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no started line within 20 s:\n${stdout.join('')}`)), 20_000);
    master.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout.push(chunk);
      for (const line of stdout.join('').split('\n')) {
        if (!line.includes('"event":"started"')) continue;
        url = (JSON.parse(line) as { url: string }).url;
        clearTimeout(timer);
        resolve();
      }
    });
    master.once('exit', (code) => reject(new Error(`brood exited with ${code}:\n${stdout.join('')}`)));
  });
});

after(async () => {
  // A graceful stop first, so the app removes its control socket; then nothing of the tree may remain.
  master.kill('SIGTERM');
  await Promise.race([new Promise((resolve) => master.once('exit', resolve)), new Promise((resolve) => setTimeout(resolve, 10_000))]);
  try {
    process.kill(-(master.pid as number), 'SIGKILL');
  } catch {
    // already gone
  }
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: unknown;
  text: string;
}

function call(method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, agent: false, headers: { accept: 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json, text });
      });
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

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
