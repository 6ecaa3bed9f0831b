import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, test } from 'node:test';
import { brood } from './helpers/cli.js';
import { Cluster, killAll } from './helpers/cluster.js';
import { get } from './helpers/http.js';

const root = mkdtempSync(join(tmpdir(), 'brood-create-'));
afterEach(killAll);
after(() => rmSync(root, { recursive: true, force: true }));

/** npm in the app folder; the app's own `node --test` must not think it runs under this test runner. */
function npm(args: string[], cwd: string) {
  const env = { ...process.env, CI: 'true' };
  delete env.NODE_TEST_CONTEXT;
  return spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 180_000, env });
}

test('brood create writes an app that installs, tests and starts with npm alone', async () => {
  const dir = join(root, 'My App');
  const created = await brood(['create', dir]);
  assert.equal(created.code, 0, created.stderr);
  for (const file of [
    'package.json',
    '.gitignore',
    'README.md',
    'tsconfig.json',
    'app.ts',
    'agent.ts',
    'app/router.ts',
    'app/controller/home.ts',
    'app/service/greeting.ts',
    'app/middleware/poweredBy.ts',
    'app/schedule/motd.ts',
    'config/config.default.ts',
    'config/config.local.ts',
    'config/config.prod.ts',
    'test/app.test.ts',
    'test/cluster.test.ts',
  ]) {
    assert.ok(existsSync(join(dir, file)), `${file} written`);
  }
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    name: string;
    scripts: Record<string, string>;
    dependencies: Record<string, string>;
  };
  assert.equal(pkg.name, 'my-app');
  assert.deepEqual(
    Object.keys(pkg.scripts)
      .filter((s) => ['dev', 'start', 'stop', 'test'].includes(s))
      .sort(),
    ['dev', 'start', 'stop', 'test'],
  );
  assert.match(pkg.dependencies.brood as string, /^file:\/.*packages\/brood$/);

  const install = npm(['install', '--no-audit', '--no-fund'], dir);
  assert.equal(install.status, 0, `npm install failed:\n${install.stdout}\n${install.stderr}`);
  const tested = npm(['test'], dir);
  assert.equal(tested.status, 0, `npm test failed:\n${tested.stdout}\n${tested.stderr}`);
  assert.match(tested.stdout, /# pass 8/);
  assert.match(tested.stdout, /# fail 0/);

  const started = new Cluster('npm', ['start', '--', '--port', '0', '--workers', '2'], {}, dir);
  const line = await started.started(30_000);
  const home = await get(`${line.url}/`);
  assert.equal(home.status, 200);
  assert.match(home.body, /hello from worker \d+/);
  assert.equal(home.headers['x-powered-by'], 'my-app');
  const visits = await get(`${line.url}/visits`);
  assert.equal(JSON.parse(visits.body).agent, line.agent);
});

test('brood create refuses a folder that is not empty, unless --force', async () => {
  const dir = join(root, 'taken');
  const first = await brood(['create', dir]);
  assert.equal(first.code, 0);
  writeFileSync(join(dir, 'notes.txt'), 'mine');
  const again = await brood(['create', dir]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /is not empty; choose an empty folder, or pass --force/);
  const forced = await brood(['create', dir, '--force']);
  assert.equal(forced.code, 0);
  assert.equal(readFileSync(join(dir, 'notes.txt'), 'utf8'), 'mine', '--force writes the app and keeps other files');
});
