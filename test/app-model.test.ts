/**
 * What an Egg developer expects of the app model, on a real cluster
 * (test/fixtures/apps/app-model): middleware match/ignore, camelCased
 * middleware names, config.keys and signed cookies, Egg's router file,
 * app/extend and its generated types.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, afterEach, describe, test } from 'node:test';
import { BROOD_BIN, FIXTURES, failedStart, killAll, ROOT, startBrood } from './helpers/cluster.js';
import { get } from './helpers/http.js';
import { removeTempApps, tempApp } from './helpers/temp-app.js';

afterEach(killAll);
after(removeTempApps);

const json = { accept: 'application/json' };

describe('the app-model fixture', () => {
  test('match/ignore for the app middleware and the built-ins; signed cookies; Egg router; app/extend', async () => {
    const cluster = startBrood('app-model', ['--workers', '2']);
    const { url } = await cluster.started();

    // apiKey (app/middleware/api-key.ts) runs on /api only.
    assert.equal((await get(`${url}/`)).status, 200);
    assert.equal((await get(`${url}/api/ping`, { headers: json })).status, 401);
    assert.equal((await get(`${url}/api/ping`, { headers: { 'x-api-key': 'open-sesame' } })).status, 200);
    // tagger ignores /health (a prefix), /static/… (a RegExp) and OPTIONS (a function).
    assert.equal((await get(`${url}/`)).headers['x-tagged'], 'yes');
    assert.equal((await get(`${url}/health`)).headers['x-tagged'], undefined);
    assert.equal((await get(`${url}/static/app.css`)).headers['x-tagged'], undefined);
    assert.equal((await get(`${url}/shortcut`, { method: 'OPTIONS' })).headers['x-tagged'], undefined);
    // requestId ignores /health: no header, no ctx.requestId.
    const health = await get(`${url}/health`);
    assert.equal(health.headers['x-request-id'], undefined);
    assert.deepEqual(JSON.parse(health.body), { requestId: null });
    assert.match(String((await get(`${url}/`)).headers['x-request-id']), /^[0-9a-f]{12}-\d+$/);
    // bodyParser ignores /raw.
    const body = { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } };
    assert.deepEqual(JSON.parse((await get(`${url}/echo`, body)).body), { body: { a: 1 } });
    assert.deepEqual(JSON.parse((await get(`${url}/raw`, body)).body), { body: null });

    // config.keys: a signed cookie round trip; a forged value is refused.
    const set = await get(`${url}/cookie/set?items=3`);
    const cookies = (set.headers['set-cookie'] ?? []).map((c) => c.split(';')[0] as string);
    assert.deepEqual(
      cookies.map((c) => c.split('=')[0]),
      ['cart', 'cart.sig'],
    );
    const back = await get(`${url}/cookie/get`, { headers: { cookie: cookies.join('; ') } });
    assert.deepEqual(JSON.parse(back.body), { cart: '3' });
    const forged = await get(`${url}/cookie/get`, { headers: { cookie: cookies.join('; ').replace('cart=3', 'cart=99') } });
    assert.deepEqual(JSON.parse(forged.body), { cart: null });

    // Egg's router form and its shortcuts; every extension point.
    assert.deepEqual(JSON.parse((await get(`${url}/shortcut`)).body), { via: 'app.get' });
    const extended = await get(`${url}/extended`, { headers: { authorization: 'Bearer t0k', 'user-agent': 'Mozilla (iPhone)' } });
    assert.equal(extended.status, 200, extended.body);
    assert.equal(extended.headers['cache-control'], 'no-store');
    assert.deepEqual(JSON.parse(extended.body), {
      answeredBy: 'corner shop',
      greeting: 'corner shop greets you',
      isIOS: true,
      token: 't0k',
      money: '12.50 at corner shop for /extended',
      agent: 'the agent of the corner shop',
    });
  });

  test('generated typings type app/extend, with no declaration by hand', () => {
    const typings = spawnSync(process.execPath, [BROOD_BIN, 'typings', `${FIXTURES}app-model`], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(typings.status, 0, typings.stderr);
    const tsc = spawnSync(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, '-p', `${FIXTURES}app-model/tsconfig.json`], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(tsc.status, 0, `tsc failed:\n${tsc.stdout}${tsc.stderr}`);
  });
});

const ROUTES = `export default (router) => {
  router.get('/sign', (ctx) => { ctx.cookies.set('a', '1', { signed: true }); ctx.body = 'signed'; });
  router.get('/plain', (ctx) => { ctx.cookies.set('a', '1'); ctx.body = { read: ctx.cookies.get('a') ?? null }; });
};
`;

describe('config.keys missing', () => {
  test('a signed cookie is a 500 naming config.keys; plain cookies work', async () => {
    const dir = tempApp({ 'app/router.ts': ROUTES.replace('(router)', '(router, app)') });
    const cluster = startBrood(dir, ['--workers', '1']);
    const { url } = await cluster.started();
    const plain = await get(`${url}/plain`, { headers: { cookie: 'a=1' } });
    assert.deepEqual(JSON.parse(plain.body), { read: '1' });
    const signed = await get(`${url}/sign`, { headers: json });
    assert.equal(signed.status, 500);
    const error = JSON.parse(signed.body).error as { message: string; code: string };
    assert.match(error.message, /^signed cookies need config\.keys: set keys \(an array, or a comma-separated string\)/);
    assert.equal(error.code, 'ERR_BROOD_KEYS_REQUIRED');
  });

  test('in production an app that signs cookies as written does not start without keys', async () => {
    const dir = tempApp({ 'app/router.ts': ROUTES.replace('(router)', '(router, app)') });
    const line = await failedStart(startBrood(dir, ['--workers', '2', '--env', 'prod']));
    assert.match(line, /config\.keys is not set and app\/router\.ts signs cookies \(\{ signed: true \}\): set keys/);
    assert.match(line, /ERR_BROOD_KEYS_REQUIRED/);
  });

  test('in production an app that signs no cookie as written starts, and the first worker warns once', async () => {
    const plainOnly =
      "export default (router) => { router.get('/plain', (ctx) => { ctx.cookies.set('a', '1'); ctx.body = 'plain'; }); };\n";
    const dir = tempApp({ 'app/router.ts': plainOnly });
    const cluster = startBrood(dir, ['--workers', '2', '--env', 'prod']);
    await cluster.started();
    const warnings = cluster.lines.filter((l) => l.level === 40 && /^config\.keys is not set/.test(l.msg ?? ''));
    assert.equal(warnings.length, 1, cluster.output());
  });
});

const ROUTER = "export default (router) => { router.get('/', (ctx) => { ctx.body = 'ok'; }); };\n";

describe('bad app-model input stops start-up with one line', () => {
  test('match and ignore together', async () => {
    const dir = tempApp({
      'app/router.ts': ROUTER,
      'app/middleware/gate.ts': 'export default () => async (ctx, next) => next();\n',
      'config/config.default.ts': "export default { middleware: ['gate'], gate: { match: '/a', ignore: '/b' } };\n",
    });
    assert.match(
      await failedStart(startBrood(dir)),
      /config\.gate has both match and ignore; keep one of them \(ERR_BROOD_MIDDLEWARE_MATCH_INVALID\)/,
    );
  });

  test('match on the error handler, a function for the request id, a path with a parameter', async () => {
    for (const [config, cause] of [
      ["{ errorHandler: { match: '/api' } }", /config\.errorHandler takes no match or ignore/],
      ['{ requestId: { ignore: () => true } }', /config\.requestId\.ignore cannot be a function/],
      ["{ bodyParser: { match: '/users/:id' } }", /config\.bodyParser\.match "\/users\/:id" must be a path prefix/],
    ] as const) {
      const dir = tempApp({ 'app/router.ts': ROUTER, 'config/config.default.ts': `export default ${config};\n` });
      assert.match(await failedStart(startBrood(dir)), cause);
    }
  });

  test('config.keys of the wrong type', async () => {
    const dir = tempApp({ 'app/router.ts': ROUTER, 'config/config.default.ts': 'export default { keys: 42 };\n' });
    assert.match(await failedStart(startBrood(dir)), /config\.keys must be an array of strings or a comma-separated string, got number/);
  });

  test('an extension that replaces what the context has, or is not an object', async () => {
    const taken = tempApp({ 'app/router.ts': ROUTER, 'app/extend/context.ts': 'export default { get body() { return 1; } };\n' });
    assert.match(
      await failedStart(startBrood(taken)),
      /app\/extend\/context\.ts defines body, which ctx already has; choose another name \(ERR_BROOD_EXTEND_INVALID\)/,
    );
    const notObject = tempApp({ 'app/router.ts': ROUTER, 'app/extend/helper.ts': 'export default function money() {}\n' });
    assert.match(await failedStart(startBrood(notObject)), /app\/extend\/helper\.ts must export default an object .*got a function/);
  });

  test('two middleware files that camelCase alike', async () => {
    const dir = tempApp({
      'app/router.ts': ROUTER,
      'app/middleware/api-key.ts': 'export default () => async (ctx, next) => next();\n',
      'app/middleware/apiKey.ts': 'export default () => async (ctx, next) => next();\n',
      'config/config.default.ts': "export default { middleware: ['apiKey'] };\n",
    });
    assert.match(
      await failedStart(startBrood(dir)),
      /config\.middleware names apiKey, which is each of app\/middleware\/api-key\.ts and app\/middleware\/apiKey\.ts/,
    );
  });

  test("a one-parameter router that uses the router's own methods is told what it received", async () => {
    const dir = tempApp({ 'app/router.ts': "export default (router) => { router.prefix('/v1'); };\n" });
    assert.match(
      await failedStart(startBrood(dir)),
      /a router function of one parameter receives the app, as in Egg: its router is app\.router/,
    );
  });
});
