import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { brood } from './helpers/cli.js';
import { BROOD_BIN, Cluster, killAll } from './helpers/cluster.js';
import { get, getJson } from './helpers/http.js';
import { removeTempApps, tempApp } from './helpers/temp-app.js';

afterEach(killAll);
after(removeTempApps);

const router = (text: string) => `export default (router) => { router.get('/', (ctx) => { ctx.body = '${text}'; }); };\n`;

test('brood dev reloads on change, keeps the last good version through a syntax error, and serves the fix', async () => {
  const dir = tempApp({ 'app/router.ts': router('v1'), 'config/config.default.ts': 'export default {};\n' });
  const cluster = new Cluster(process.execPath, [BROOD_BIN, 'dev', dir, '--port', '0', '--no-pretty'], { BROOD_ENV: '' });
  const started = await cluster.started();
  assert.equal(started.workers.length, 1, 'one worker by default');
  assert.equal((await get(`${started.url}/`)).body, 'v1');

  let seen = cluster.lines.length;
  writeFileSync(join(dir, 'app/router.ts'), router('v2'));
  await cluster.waitFor((l) => l.event === 'reloaded', 'reload after the change', 20_000, seen);
  assert.equal((await get(`${started.url}/`)).body, 'v2');

  seen = cluster.lines.length;
  writeFileSync(join(dir, 'app/router.ts'), "export default (router) => { router.get('/', (ctx) => { ctx.body = ; }); };\n");
  const broken = await cluster.waitFor(
    (l) => l.level === 50 && /cannot compile app\/router\.ts:1:\d+/.test(l.msg ?? ''),
    'compile error',
    20_000,
    seen,
  );
  assert.match(broken.msg ?? '', /the last good version keeps serving/);
  assert.equal((await get(`${started.url}/`)).body, 'v2', 'the last good version keeps serving');

  seen = cluster.lines.length;
  writeFileSync(join(dir, 'app/router.ts'), router('v3'));
  await cluster.waitFor((l) => l.event === 'reloaded', 'reload after the fix', 20_000, seen);
  assert.equal((await get(`${started.url}/`)).body, 'v3');
});

test('brood dev with an app that cannot start waits for the fix and starts then', async () => {
  const dir = tempApp({ 'app/router.ts': "export default (router) => { router.get('/', (ctx) => { ctx.body = ; }); };\n" });
  const cluster = new Cluster(process.execPath, [BROOD_BIN, 'dev', dir, '--port', '0', '--no-pretty'], { BROOD_ENV: '' });
  // The line comes once the watchers are in place: the fix written right after it is seen.
  await cluster.waitForStderr(/waiting for a change/, 'the waiting line', 20_000);
  assert.match(cluster.stderr, /brood: failed to start: cannot compile app\/router\.ts:1:\d+/);
  writeFileSync(join(dir, 'app/router.ts'), router('fixed'));
  const started = await cluster.started();
  assert.equal((await get(`${started.url}/`)).body, 'fixed');
  // It is a normal dev session from then on: the next change reloads.
  await cluster.waitFor((l) => l.event === 'watching', 'the watcher to start');
  const seen = cluster.lines.length;
  writeFileSync(join(dir, 'app/router.ts'), router('again'));
  await cluster.waitFor((l) => l.event === 'reloaded', 'reload after the next change', 20_000, seen);
  assert.equal((await get(`${started.url}/`)).body, 'again');
});

test('brood dev keeps reloading a file an editor saves by renaming a temporary file over it', async () => {
  const dir = tempApp({ 'app/router.ts': router('v1') });
  const cluster = new Cluster(process.execPath, [BROOD_BIN, 'dev', dir, '--port', '0', '--no-pretty'], { BROOD_ENV: '' });
  const started = await cluster.started();
  await cluster.waitFor((l) => l.event === 'watching', 'the watcher to start');
  // vim, sed -i and many IDEs save this way: each save is a new inode under the same name.
  for (const version of ['v2', 'v3', 'v4']) {
    const seen = cluster.lines.length;
    writeFileSync(join(dir, 'app/.router.ts.swp'), router(version));
    renameSync(join(dir, 'app/.router.ts.swp'), join(dir, 'app/router.ts'));
    await cluster.waitFor((l) => l.event === 'reloaded', `reload to ${version}`, 20_000, seen);
    assert.equal((await get(`${started.url}/`)).body, version);
  }
});

test('brood dev logs are human-readable and runs env local', async () => {
  const dir = tempApp({ 'app/router.ts': "export default (router, app) => { router.get('/', (ctx) => { ctx.body = app.env; }); };\n" });
  const cluster = new Cluster(process.execPath, [BROOD_BIN, 'dev', dir, '--port', '0'], { BROOD_ENV: '', NODE_ENV: '' });
  const line = await cluster.waitFor((l) => /brood started: (http:\/\/\S+),/.test(l.raw), 'the started line');
  assert.throws(() => JSON.parse(line.raw), 'pretty, not JSON');
  assert.match(line.raw, /master/);
  const url = /brood started: (http:\/\/[^,]+),/.exec(line.raw)?.[1] as string;
  assert.equal((await get(`${url}/`)).body, 'local');
});

test('a reload whose new agent cannot boot brings the previous agent back; the app keeps answering', async () => {
  const agent = (text: string) =>
    `export default (agent) => { agent.messenger.on('who', () => '${text}'); return { willReady() { if ('${text}' === 'broken') throw new Error('agent config is wrong'); } }; };\n`;
  const dir = tempApp({
    'agent.ts': agent('v1'),
    'app/router.ts':
      "export default (router, app) => { router.get('/', async (ctx) => { ctx.body = await app.messenger.request('agent', 'who', null); }); };\n",
  });
  const cluster = new Cluster(process.execPath, [BROOD_BIN, 'dev', dir, '--port', '0', '--no-pretty'], { BROOD_ENV: '' });
  const started = await cluster.started();
  assert.equal((await get(`${started.url}/`)).body, 'v1');

  const seen = cluster.lines.length;
  writeFileSync(join(dir, 'agent.ts'), agent('broken'));
  await cluster.waitFor(
    (l) => /the new agent failed to start, the previous version runs again/.test(l.msg ?? ''),
    'the failed reload',
    20_000,
    seen,
  );
  await cluster.waitFor(
    (l, i = 0) => l.role === 'master' && /^agent \d+ ready$/.test(l.msg ?? '') && i >= 0,
    'the previous agent back',
    20_000,
    seen,
  );
  assert.equal((await get(`${started.url}/`)).body, 'v1', 'the previous agent answers');
  assert.equal(cluster.child.exitCode, null, 'the master did not give up');
});

test('brood dev restarts the agent only for a file it loads: its state lives through an edit of the routes; reload --workers keeps it too', async () => {
  const route = (version: string) =>
    `export default (router, app) => { router.get('/', async (ctx) => { ctx.body = { version: '${version}', worker: process.pid, count: await app.messenger.request('agent', 'count', null) }; }); };\n`;
  const dir = tempApp({
    'agent.ts':
      "import { label } from './lib/label.js';\nlet n = 0;\nexport default (agent) => { agent.messenger.on('count', () => [label, ++n, process.pid].join(':')); };\n",
    'lib/label.ts': "export const label = 'a';\n",
    'app/router.ts': route('v1'),
    'config/config.default.ts': 'export default { x: 1 };\n',
  });
  const cluster = new Cluster(process.execPath, [BROOD_BIN, 'dev', dir, '--port', '0', '--no-pretty'], { BROOD_ENV: '' });
  const started = await cluster.started();
  await cluster.waitFor((l) => l.event === 'watching', 'the watcher to start');
  type Reply = { version: string; worker: number; count: string };
  const ask = () => getJson<Reply>(`${started.url}/`);
  assert.deepEqual(await ask(), { version: 'v1', worker: started.workers[0], count: `a:1:${started.agent}` });

  /** Writes a file, waits for the reload it causes, and returns the reloaded line. */
  const change = async (file: string, text: string) => {
    const seen = cluster.lines.length;
    writeFileSync(join(dir, file), text);
    return cluster.waitFor((l) => l.event === 'reloaded', `the reload after ${file}`, 20_000, seen);
  };

  // The routes: new workers, the same agent, its count going on.
  const routes = await change('app/router.ts', route('v2'));
  assert.equal(routes.agentReplaced, false);
  assert.equal(routes.workersReplaced, true);
  assert.match(routes.msg ?? '', /^brood reloaded in \d+ ms: workers \d+, agent \d+ kept$/);
  const afterRoutes = await ask();
  assert.equal(afterRoutes.version, 'v2');
  assert.notEqual(afterRoutes.worker, started.workers[0]);
  assert.equal(afterRoutes.count, `a:2:${started.agent}`, 'the agent kept its state');

  // A lib file the agent imports: a new agent, the same workers.
  const lib = await change('lib/label.ts', "export const label = 'b';\n");
  assert.equal(lib.agentReplaced, true);
  assert.equal(lib.workersReplaced, false);
  assert.match(lib.msg ?? '', /^brood reloaded in \d+ ms: workers \d+ kept, agent \d+$/);
  const afterLib = await ask();
  assert.equal(afterLib.worker, afterRoutes.worker, 'the worker kept');
  assert.match(afterLib.count, /^b:1:\d+$/);
  const agent = Number(afterLib.count.split(':')[2]);
  assert.notEqual(agent, started.agent);

  // Config: both.
  const config = await change('config/config.default.ts', 'export default { x: 2 };\n');
  assert.equal(config.agentReplaced, true);
  assert.equal(config.workersReplaced, true);
  const afterConfig = await ask();
  assert.notEqual(afterConfig.worker, afterLib.worker);
  assert.match(afterConfig.count, /^b:1:\d+$/);

  // brood reload --workers: new workers, the agent and its count kept.
  const reloaded = await brood(['reload', dir, '--workers']);
  assert.equal(reloaded.code, 0, reloaded.stderr);
  const kept = afterConfig.count.split(':')[2];
  assert.match(reloaded.stdout, new RegExp(`^reloaded brood 'default' in .* in \\d+ ms: workers \\d+, agent ${kept} kept\\n$`));
  const afterWorkers = await ask();
  assert.notEqual(afterWorkers.worker, afterConfig.worker);
  assert.equal(afterWorkers.count, `b:2:${kept}`);
});
