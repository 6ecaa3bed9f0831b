import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, afterEach, describe, test } from 'node:test';
import { BROOD_BIN, FIXTURES, failedStart, killAll, ROOT, startBrood } from './helpers/cluster.js';
import { get, getJson } from './helpers/http.js';
import { removeTempApps, tempApp } from './helpers/temp-app.js';

afterEach(killAll);
after(removeTempApps);

describe('an app written by convention', () => {
  test('config merges default and env files, controllers nest, services are per request and lazy, middleware runs in config order', async () => {
    const cluster = startBrood('conventions', ['--workers', '1']);
    const { url } = await cluster.started();

    const config = await getJson<{ greeting: string; limits: unknown; env: string }>(`${url}/config`);
    assert.equal(config.env, 'test');
    assert.equal(config.greeting, 'hello from test!', 'config.test.ts over config.default.ts, then configWillLoad');
    assert.deepEqual(config.limits, { perPage: 20, maxPages: 5 }, 'deep merge keeps keys the env file does not set');

    const first = await get(`${url}/`);
    assert.equal(first.status, 200);
    const body = JSON.parse(first.body) as { message: string; sameInstance: boolean; instances: number };
    assert.equal(body.message, 'hello from test!, world (GET /)', 'the service reaches config and ctx');
    assert.equal(body.sameInstance, true, 'one instance per request');
    await getJson(`${url}/config`); // uses no service
    const second = await getJson<{ instances: number }>(`${url}/`);
    assert.equal(second.instances, body.instances + 1, 'a new instance per request, none for a request that does not use it');

    assert.match(String(first.headers['x-response-time']), /^\d+\.\d+ms$/, 'timing middleware with its options');
    assert.equal(first.headers['x-tag'], 'test/test', 'tag middleware with config.tag from the env file');

    const users = await getJson<{ users: unknown[] }>(`${url}/admin/users`);
    assert.equal(users.users.length, 2, 'app/controller/admin/user.ts is app.controller.admin.user');
    assert.deepEqual(await getJson(`${url}/admin/users/2`), { id: 2, name: 'linus' });
    assert.equal((await get(`${url}/admin/users/9`)).status, 404);

    const { hooks } = await getJson<{ hooks: string[] }>(`${url}/hooks`);
    assert.deepEqual(hooks, ['configWillLoad', 'configDidLoad', 'didLoad', 'willReady', 'didReady', 'serverDidReady']);
  });

  test('the environment comes from BROOD_ENV, else NODE_ENV, else prod for brood start', async () => {
    for (const [env, expected] of [
      [{ BROOD_ENV: 'test' }, 'hello from test!'],
      [{ BROOD_ENV: '', NODE_ENV: 'production' }, 'hello from prod!'],
      [{ BROOD_ENV: '', NODE_ENV: '' }, 'hello from prod!'],
    ] as const) {
      const cluster = startBrood('conventions', ['--workers', '1'], env);
      const { url } = await cluster.started();
      assert.equal((await getJson<{ greeting: string }>(`${url}/config`)).greeting, expected, JSON.stringify(env));
      assert.ok(!cluster.lines.some((l) => /has no config\/config\./.test(l.msg ?? '')), 'no warning for an env with a config file');
      cluster.destroy();
    }
    // A misspelt env still starts, on the defaults, but says so.
    const typo = startBrood('conventions', ['--workers', '1', '--env', 'prdo']);
    await typo.started();
    const warning = typo.lines.find((l) => l.level === 40 && /^env prdo has no config\/config\.prdo\.ts/.test(l.msg ?? ''));
    assert.match(warning?.msg ?? '', /\(this app has config for .*prod.*\): it runs on config\/config\.default\.ts alone/);
    typo.destroy();
  });

  test('generated typings make a misspelt service, controller or config key a compile error', () => {
    const typings = spawnSync(process.execPath, [BROOD_BIN, 'typings', `${FIXTURES}conventions`], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(typings.status, 0, typings.stderr);
    const tsc = spawnSync(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, '-p', `${FIXTURES}conventions/tsconfig.json`], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(tsc.status, 0, `tsc failed:\n${tsc.stdout}${tsc.stderr}`);
  });
});

const ROUTER = "export default (router, app) => { router.get('/', app.controller.home.index); };\n";

describe('bad input stops start-up with one readable line', () => {
  test('a route to a controller action that does not exist', async () => {
    const dir = tempApp({
      'app/controller/home.ts': 'export function index(ctx) { ctx.body = 1; }\n',
      'app/router.ts': "export default (router, app) => { router.get('/', app.controller.home.show); };\n",
    });
    assert.match(
      await failedStart(startBrood(dir)),
      /app\/router\.ts: no controller home\.show \(known: home\.index\) \(ERR_BROOD_CONTROLLER_NOT_FOUND\)/,
    );
  });

  test('a controller that exports nothing callable', async () => {
    const dir = tempApp({ 'app/controller/home.ts': 'export const index = 42;\n', 'app/router.ts': ROUTER });
    assert.match(
      await failedStart(startBrood(dir)),
      /app\/controller\/home\.ts exports nothing callable.*\(ERR_BROOD_CONTROLLER_INVALID\)/,
    );
    const egg = tempApp({ 'app/controller/home.ts': 'export default class Home { index() {} }\n', 'app/router.ts': ROUTER });
    assert.match(
      await failedStart(startBrood(egg)),
      /app\/controller\/home\.ts exports nothing callable \(its default export is a class\): export functions/,
    );
  });

  test('a middleware named in config with no file', async () => {
    const dir = tempApp({
      'config/config.default.ts': "export default { middleware: ['gzip'] };\n",
      'app/controller/home.ts': 'export function index(ctx) { ctx.body = 1; }\n',
      'app/router.ts': ROUTER,
    });
    assert.match(
      await failedStart(startBrood(dir)),
      /config\.middleware names gzip, but app\/middleware\/gzip\.ts does not exist.*\(ERR_BROOD_MIDDLEWARE_NOT_FOUND\)/,
    );
  });

  test('a config that is not an object', async () => {
    const dir = tempApp({ 'config/config.default.ts': "export default 'port=7001';\n", 'app/router.ts': 'export default () => {};\n' });
    assert.match(
      await failedStart(startBrood(dir)),
      /config\/config\.default\.ts must export default an object \(or a function returning one\), got string \(ERR_BROOD_CONFIG_INVALID\)/,
    );
  });

  test('a service that is not a class', async () => {
    const dir = tempApp({ 'app/service/user.ts': 'export default { find() {} };\n', 'app/router.ts': 'export default () => {};\n' });
    assert.match(await failedStart(startBrood(dir)), /app\/service\/user\.ts must export default a class.*\(ERR_BROOD_SERVICE_INVALID\)/);
  });

  test('a syntax error in a controller names file and line', async () => {
    const dir = tempApp({ 'app/controller/home.ts': 'export function index(ctx) {\n  ctx.body = {;\n}\n', 'app/router.ts': ROUTER });
    assert.match(await failedStart(startBrood(dir)), /cannot compile app\/controller\/home\.ts:2:\d+: .*\(ERR_BROOD_COMPILE_FAILED\)/);
  });

  test('a file that throws while loading names the file', async () => {
    const dir = tempApp({ 'app/controller/home.ts': "throw new Error('no database url');\n", 'app/router.ts': ROUTER });
    assert.match(await failedStart(startBrood(dir)), /app\/controller\/home\.ts threw while loading: no database url/);
  });

  test('a hook that throws names the file and the hook', async () => {
    const dir = tempApp({
      'app.ts': "export default { configDidLoad() { throw new Error('bad flag'); } };\n",
      'app/router.ts': 'export default () => {};\n',
    });
    assert.match(await failedStart(startBrood(dir)), /app\.ts configDidLoad failed: bad flag/);
  });
});
