/**
 * The built-in middleware in one process: a real koa app with the same
 * order a worker uses, on 127.0.0.1 port 0, queried over HTTP.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '@brood/core';
import { applyProxy, type BuiltinOptions, builtins, installContextLogger } from '@brood/worker';
import Router from '@koa/router';
import Koa from 'koa';

/** One request through fetch, its body read whole. */
async function get(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
}

/** A logger whose lines land in an array. */
function memoryLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).trim().split('\n')) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ role: 'worker', destination }) };
}

async function serve(env: string, options: { proxy?: boolean; requestId?: BuiltinOptions['requestId'] } = {}) {
  const { lines, logger } = memoryLogger();
  const koa = new Koa();
  const router = new Router();
  applyProxy(koa, options);
  installContextLogger(koa, logger);
  // As a worker sets them up: the request id on demand, errors through ctx.onerror,
  // the body parser in the chain of POST/PUT/PATCH only, the 404 with allowedMethods.
  const config = { bodyParser: { jsonLimit: '1kb', formLimit: '1kb' }, ...(options.requestId ? { requestId: options.requestId } : {}) };
  const front = builtins(koa, config, { env, logger });
  router.get('/ok', (ctx) => {
    ctx.body = { ok: true, requestId: ctx.requestId };
  });
  router.get('/crash', () => {
    throw new Error('secret connection string');
  });
  router.get('/missing', (ctx) => ctx.throw(404, 'no such todo'));
  router.get('/teapot', (ctx) => ctx.throw(418));
  router.post('/echo', (ctx) => {
    ctx.body = { body: ctx.request.body ?? null };
  });
  router.get('/echo', (ctx) => {
    ctx.body = { body: ctx.request.body ?? null };
  });
  router.get('/ip', (ctx) => {
    ctx.body = { ip: ctx.ip };
  });
  router.get('/log', (ctx) => {
    ctx.logger.info('from a handler');
    ctx.body = 'logged';
  });
  const server = createServer(front.handler(router)).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, lines, close: () => new Promise((resolve) => server.close(resolve)) };
}

const json = { accept: 'application/json' };
/** A request id Brood made: this process's 12 hex digits, then a counter. */
const ID = /^[0-9a-f]{12}-\d+$/;

describe('in production', () => {
  let app: Awaited<ReturnType<typeof serve>>;
  before(async () => {
    app = await serve('prod');
  });
  after(() => app.close());

  test('request id: a sane incoming id is kept, an insane one replaced, a missing one made; no header on a success', async () => {
    const kept = await get(`${app.url}/ok`, { headers: { 'x-request-id': 'edge-1234.abc' } });
    assert.equal(JSON.parse(kept.body).requestId, 'edge-1234.abc');
    assert.equal(kept.headers['x-request-id'], undefined, 'the header is echoed with requestId.echo only');
    const replaced = await get(`${app.url}/ok`, { headers: { 'x-request-id': 'bad id <script>' } });
    const made = await get(`${app.url}/ok`);
    const ids = [JSON.parse(replaced.body).requestId, JSON.parse(made.body).requestId];
    for (const id of ids) assert.match(id, ID);
    // One process prefix, then a counter.
    assert.equal(ids[0].split('-')[0], ids[1].split('-')[0]);
    assert.notEqual(ids[0], ids[1]);
  });

  test('an error response carries the request id in its body and its header', async () => {
    const reply = await get(`${app.url}/missing`, { headers: { ...json, 'x-request-id': 'edge-err-1' } });
    assert.equal(reply.status, 404);
    assert.equal(JSON.parse(reply.body).error.requestId, 'edge-err-1');
    assert.equal(reply.headers['x-request-id'], 'edge-err-1');
  });

  test('a 500 hides its message and stack, and is logged once with the stack', async () => {
    const before = app.lines.length;
    const reply = await get(`${app.url}/crash`, { headers: json });
    assert.equal(reply.status, 500);
    const body = JSON.parse(reply.body) as { error: { message: string; stack?: string; requestId: string } };
    assert.equal(body.error.message, 'Internal Server Error');
    assert.equal(body.error.stack, undefined);
    assert.doesNotMatch(reply.body, /secret/);
    assert.equal(body.error.requestId, reply.headers['x-request-id']);
    const logged = app.lines.slice(before).filter((l) => l.level === 50);
    assert.equal(logged.length, 1);
    assert.match(String((logged[0]?.err as { stack?: string } | undefined)?.stack), /secret connection string/);
  });

  test('4xx messages are shown: ctx.throw(404, msg), ctx.throw(418), an unmatched route', async () => {
    const missing = await get(`${app.url}/missing`, { headers: json });
    assert.equal(missing.status, 404);
    assert.equal(JSON.parse(missing.body).error.message, 'no such todo');
    const teapot = await get(`${app.url}/teapot`, { headers: json });
    assert.equal(teapot.status, 418);
    const nowhere = await get(`${app.url}/nowhere`, { headers: json });
    assert.equal(nowhere.status, 404);
    assert.equal(JSON.parse(nowhere.body).error.message, 'Not Found');
  });

  test('HTML for clients that prefer it, escaped', async () => {
    const reply = await get(`${app.url}/missing`, { headers: { accept: 'text/html' } });
    assert.equal(reply.status, 404);
    assert.match(String(reply.headers['content-type']), /text\/html/);
    assert.match(reply.body, /<h1>404 Not Found<\/h1><p>no such todo<\/p>/);
  });

  test('body parser: JSON and form parsed; too large is 413; bad JSON is 400 with the reason; GET untouched', async () => {
    const parsed = await get(`${app.url}/echo`, {
      method: 'POST',
      body: '{"a":[1,2]}',
      headers: { 'content-type': 'application/json', ...json },
    });
    assert.deepEqual(JSON.parse(parsed.body).body, { a: [1, 2] });
    const form = await get(`${app.url}/echo`, {
      method: 'POST',
      body: 'a=1&b=two',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...json },
    });
    assert.deepEqual(JSON.parse(form.body).body, { a: '1', b: 'two' });
    const big = await get(`${app.url}/echo`, {
      method: 'POST',
      body: JSON.stringify({ a: 'x'.repeat(2000) }),
      headers: { 'content-type': 'application/json', ...json },
    });
    assert.equal(big.status, 413);
    assert.equal(JSON.parse(big.body).error.message, 'request body is larger than the 1kb limit');
    const bad = await get(`${app.url}/echo`, { method: 'POST', body: '{"a":', headers: { 'content-type': 'application/json', ...json } });
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).error.message, /^invalid JSON body: /);
    const plain = await get(`${app.url}/echo`, { headers: json });
    assert.equal(JSON.parse(plain.body).body, null);
  });

  test('ctx.ip ignores X-Forwarded-For unless the app trusts a proxy', async () => {
    const reply = await getJsonBody(`${app.url}/ip`, { 'x-forwarded-for': '203.0.113.9' });
    assert.notEqual(reply.ip, '203.0.113.9');
  });

  test('ctx.logger lines carry the request id, method and path', async () => {
    const reply = await get(`${app.url}/log`, { headers: { 'x-request-id': 'log-test-1' } });
    assert.equal(reply.status, 200);
    const line = app.lines.find((l) => l.msg === 'from a handler');
    assert.equal(line?.requestId, 'log-test-1');
    assert.equal(line?.method, 'GET');
    assert.equal(line?.path, '/log');
    assert.equal(line?.role, 'worker');
  });
});

describe('requestId options', () => {
  test('echo: every response carries the id, under a custom header name too', async () => {
    const app = await serve('prod', { requestId: { echo: true, header: 'X-Trace-Id' } });
    try {
      const kept = await get(`${app.url}/ok`, { headers: { 'x-trace-id': 'edge-77' } });
      assert.equal(kept.headers['x-trace-id'], 'edge-77');
      assert.equal(JSON.parse(kept.body).requestId, 'edge-77');
      const made = await get(`${app.url}/ok`);
      assert.match(String(made.headers['x-trace-id']), ID);
      assert.equal(JSON.parse(made.body).requestId, made.headers['x-trace-id']);
      // The error handler keeps the custom header and says the same id in the body.
      const failed = await get(`${app.url}/crash`, { headers: { ...json, 'x-trace-id': 'edge-78' } });
      assert.equal(failed.status, 500);
      assert.equal(failed.headers['x-trace-id'], 'edge-78');
      assert.equal(JSON.parse(failed.body).error.requestId, 'edge-78');
    } finally {
      await app.close();
    }
  });

  test('enable: false: no ctx.requestId, no header, no id in an error body', async () => {
    const app = await serve('prod', { requestId: { enable: false } });
    try {
      assert.equal(JSON.parse((await get(`${app.url}/ok`)).body).requestId, undefined);
      const failed = await get(`${app.url}/missing`, { headers: json });
      assert.equal(failed.headers['x-request-id'], undefined);
      assert.equal(JSON.parse(failed.body).error.requestId, undefined);
    } finally {
      await app.close();
    }
  });
});

describe('outside production', () => {
  test('a 500 shows its message and stack', async () => {
    const app = await serve('local');
    try {
      const reply = await get(`${app.url}/crash`, { headers: json });
      const body = JSON.parse(reply.body) as { error: { message: string; stack: string } };
      assert.equal(body.error.message, 'secret connection string');
      assert.match(body.error.stack, /Error: secret connection string\n\s+at /);
    } finally {
      await app.close();
    }
  });

  test('a trusted proxy sets ctx.ip from X-Forwarded-For', async () => {
    const app = await serve('local', { proxy: true });
    try {
      assert.equal((await getJsonBody(`${app.url}/ip`, { 'x-forwarded-for': '203.0.113.9' })).ip, '203.0.113.9');
    } finally {
      await app.close();
    }
  });
});

async function getJsonBody(url: string, headers: Record<string, string>): Promise<{ ip: string }> {
  return JSON.parse((await get(url, { headers })).body) as { ip: string };
}
