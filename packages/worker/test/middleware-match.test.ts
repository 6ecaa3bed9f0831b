/**
 * match / ignore, middleware names and config.keys without a cluster: the
 * pure functions, and a koa app in this process on 127.0.0.1 port 0.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { createLogger } from '@brood/core';
import { applyKeys, builtins, findSignedCookieUse, matched, middlewareStem, parseKeys, requestMatcher } from '@brood/worker';
import Koa from 'koa';
import { get } from '../../../test/helpers/http.js';

/** A context as far as the rules read it. */
const at = (path: string, method = 'GET') => ({ path, method }) as unknown as Parameters<NonNullable<ReturnType<typeof requestMatcher>>>[0];

describe('requestMatcher', () => {
  test('no match and no ignore: runs everywhere, at no cost', () => {
    assert.equal(requestMatcher('gate', {}), undefined);
    assert.equal(requestMatcher('gate', undefined), undefined);
  });

  test('a string is a path prefix on segment boundaries', () => {
    const applies = requestMatcher('gate', { match: '/api' });
    assert.ok(applies);
    for (const path of ['/api', '/api/', '/api/users/1']) assert.equal(applies(at(path)), true, path);
    for (const path of ['/', '/apis', '/v1/api']) assert.equal(applies(at(path)), false, path);
    assert.equal(requestMatcher('gate', { match: '/api/' })?.(at('/api')), true, 'a trailing slash changes nothing');
    assert.equal(requestMatcher('gate', { match: '/' })?.(at('/anything')), true);
  });

  test('a RegExp, even a global one, answers the same on every call', () => {
    const applies = requestMatcher('gate', { match: /^\/static\//g });
    for (let i = 0; i < 3; i += 1) assert.equal(applies?.(at('/static/a.css')), true);
    assert.equal(applies?.(at('/api')), false);
  });

  test('a function of ctx, an array of all three, and ignore as the negation', () => {
    const options = { ignore: ['/health', /\.png$/, (ctx: { method: string }) => ctx.method === 'HEAD'] };
    const applies = requestMatcher('gate', options);
    assert.equal(applies?.(at('/health/live')), false);
    assert.equal(applies?.(at('/logo.png')), false);
    assert.equal(applies?.(at('/', 'HEAD')), false);
    assert.equal(applies?.(at('/', 'GET')), true);
  });

  test('bad rules are refused with one line naming the setting', () => {
    const refused = (options: object, message: RegExp) =>
      assert.throws(
        () => requestMatcher('gate', options),
        (error: Error & { code?: string }) => message.test(error.message) && error.code === 'ERR_BROOD_MIDDLEWARE_MATCH_INVALID',
      );
    refused({ match: '/a', ignore: '/b' }, /^config\.gate has both match and ignore; keep one of them$/);
    refused(
      { match: 42 },
      /^config\.gate\.match must be a path prefix, a RegExp, a function of ctx or a non-empty array of them, got number$/,
    );
    refused({ match: [] }, /got an array$/);
    refused({ ignore: ['/ok', null] }, /^config\.gate\.ignore\[1\] must be .* got null$/);
    refused({ match: 'api' }, /must be a path prefix starting with \//);
    refused({ match: '/users/:id' }, /no :params or \*; use a RegExp/);
    refused({ match: '/api/*' }, /no :params or \*/);
    assert.throws(() => requestMatcher('requestId', { match: () => true }, false), /cannot be a function/);
  });
});

describe('middlewareStem', () => {
  const stems = ['api-key', 'responseTime', 'rate_limit'];
  test('the camelCased file name, or the file name itself', () => {
    assert.equal(middlewareStem('apiKey', stems), 'api-key');
    assert.equal(middlewareStem('api-key', stems), 'api-key');
    assert.equal(middlewareStem('responseTime', stems), 'responseTime');
    assert.equal(middlewareStem('rateLimit', stems), 'rate_limit');
    assert.equal(middlewareStem('gzip', stems), undefined);
  });

  test('two files that camelCase alike make the name ambiguous', () => {
    assert.throws(
      () => middlewareStem('apiKey', ['api-key', 'apiKey']),
      /which is each of app\/middleware\/api-key\.ts and app\/middleware\/apiKey\.ts/,
    );
    assert.equal(middlewareStem('api-key', ['api-key', 'apiKey']), 'api-key', 'the file name stays unambiguous');
  });
});

describe('parseKeys', () => {
  test('an array, or a comma-separated string, blanks dropped', () => {
    assert.deepEqual(parseKeys(['a', 'b']), ['a', 'b']);
    assert.deepEqual(parseKeys(' a , b ,, '), ['a', 'b']);
    assert.deepEqual(parseKeys(undefined), []);
    assert.deepEqual(parseKeys(''), []);
    assert.throws(() => parseKeys(42), /config\.keys must be an array of strings or a comma-separated string, got number/);
    assert.throws(() => parseKeys(['a', 1]), /got an array with a non-string/);
  });
});

/** A koa app with the built-ins and one middleware under `options`, on port 0; `logged` gathers the log's lines. */
async function serve(config: Record<string, unknown>, middlewareOptions: object, logged: string[] = []) {
  const koa = new Koa();
  const destination = new Writable({
    write(chunk, _encoding, done) {
      logged.push(JSON.parse(String(chunk)).msg);
      done();
    },
  });
  const logger = createLogger({ role: 'worker', level: 'info', destination });
  applyKeys(koa, config.keys, { env: 'test', logger, first: false, baseDir: '/nonexistent', buildDir: '/nonexistent' });
  const front = builtins(koa, config, { env: 'test', logger });
  koa.use(
    matched(
      'tag',
      async (ctx, next) => {
        ctx.set('x-tag', 'yes');
        await next();
      },
      middlewareOptions,
    ),
  );
  koa.use(async (ctx) => {
    if (ctx.path === '/sign') ctx.cookies.set('a', '1', { signed: true });
    ctx.body = {
      requestId: ctx.requestId ?? null,
      body: ctx.request.body ?? null,
      signedA: ctx.cookies.get('a', { signed: true }) ?? null,
    };
  });
  const server = createServer(front.handler()).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

describe('in a koa app', () => {
  test('match runs the middleware on its paths only; requestId and bodyParser honour ignore', async () => {
    // echo: the id's header on every response it is given to, to see which were.
    const app = await serve({ requestId: { ignore: ['/health'], echo: true }, bodyParser: { ignore: /^\/upload/ } }, { match: '/api' });
    try {
      assert.equal((await get(`${app.url}/api/x`)).headers['x-tag'], 'yes');
      assert.equal((await get(`${app.url}/x`)).headers['x-tag'], undefined);
      const health = await get(`${app.url}/health?probe=1`);
      assert.equal(health.headers['x-request-id'], undefined);
      assert.equal(JSON.parse(health.body).requestId, null);
      const healthz = await get(`${app.url}/healthz`);
      assert.match(String(healthz.headers['x-request-id']), /^[0-9a-f]{12}-\d+$/, '/healthz is not under /health');
      assert.equal(JSON.parse(healthz.body).requestId, healthz.headers['x-request-id']);
      const post = { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } };
      assert.deepEqual(JSON.parse((await get(`${app.url}/api`, post)).body).body, { a: 1 });
      assert.equal(JSON.parse((await get(`${app.url}/upload/1`, post)).body).body, null);
    } finally {
      await app.close();
    }
  });

  test('the access log honours ignore (paths and RegExps), and refuses a function', async () => {
    const logged: string[] = [];
    const app = await serve({ accessLog: { enable: true, ignore: ['/healthz', /\.png$/] } }, {}, logged);
    try {
      for (const path of ['/healthz', '/a.png', '/orders?id=1']) await get(`${app.url}${path}`);
      const deadline = Date.now() + 5000;
      while (!logged.some((line) => line.startsWith('GET /orders')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(
        logged.filter((line) => line.startsWith('GET ')).map((line) => line.split(' ').slice(0, 3).join(' ')),
        ['GET /orders 200'],
      );
    } finally {
      await app.close();
    }
    const koa = new Koa();
    const front = builtins(
      koa,
      { accessLog: { enable: true, match: () => true } },
      { env: 'test', logger: createLogger({ role: 'worker', level: 'silent' }) },
    );
    assert.throws(() => front.handler(), /config\.accessLog/);
  });

  test('config.keys signs cookies; without keys a signed cookie names config.keys', async () => {
    const keyed = await serve({ keys: 'k1,k2' }, {});
    try {
      const set = await get(`${keyed.url}/sign`);
      const cookie = (set.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
      assert.match(cookie, /^a=1; a\.sig=/);
      assert.equal(JSON.parse((await get(`${keyed.url}/`, { headers: { cookie } })).body).signedA, '1');
    } finally {
      await keyed.close();
    }
    const keyless = await serve({}, {});
    try {
      const reply = await get(`${keyless.url}/sign`, { headers: { accept: 'application/json' } });
      assert.equal(reply.status, 500);
      assert.match(JSON.parse(reply.body).error.message, /^signed cookies need config\.keys/);
    } finally {
      await keyless.close();
    }
  });
});

describe('findSignedCookieUse', () => {
  test('names the first compiled file that signs a cookie as written, tests and dependencies left out', () => {
    const dir = mkdtempSync(join(tmpdir(), 'brood-keys-'));
    try {
      const write = (file: string, text: string) => {
        mkdirSync(join(dir, file, '..'), { recursive: true });
        writeFileSync(join(dir, file), text);
      };
      write('app/router.js', "export default (router) => { router.get('/', (ctx) => { ctx.cookies.set('a', '1'); }); };\n");
      write('test/app.test.js', "ctx.cookies.set('a', '1', { signed: true });\n");
      write('node_modules/lib/index.js', "ctx.cookies.set('a', '1', { signed: true });\n");
      assert.equal(findSignedCookieUse(dir), undefined);
      write(
        'app/controller/cart.js',
        "export const add = (ctx) => { ctx.cookies.set('cart', '3', {\n  signed: true,\n  httpOnly: true });\n};\n",
      );
      assert.equal(findSignedCookieUse(dir), join('app', 'controller', 'cart.js'));
      assert.equal(findSignedCookieUse(join(dir, 'missing')), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
