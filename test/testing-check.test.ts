/**
 * brood/testing as a new user meets it: `brood create`, `npm install`, the
 * tests of docs/testing.md written into the app (a route, a mocked service,
 * an agent round trip and a task, in the test process and as a real
 * cluster) and run by `npm test` under node:test; then a test process
 * killed by SIGKILL in the middle of a cluster test, which must leave no
 * process behind.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { brood } from './helpers/cli.js';
import { Cluster, isAlive, killAll, ROOT, waitGone } from './helpers/cluster.js';

const root = mkdtempSync(join(tmpdir(), 'brood-testing-check-'));
const dir = join(root, 'my-app');
afterEach(killAll);
after(() => rmSync(root, { recursive: true, force: true }));

/** The environment of a command run in the app: not the test runner's own. */
function appEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, CI: 'true', ...extra };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

/** The test files docs/testing.md shows: each code block whose first line is `// test/<file>.ts`. */
function docsTests(): Map<string, string> {
  const doc = readFileSync(join(ROOT, 'docs/testing.md'), 'utf8');
  const files = new Map<string, string>();
  for (const match of doc.matchAll(/```ts\n\/\/ (test\/[\w.-]+\.test\.ts)\n([\s\S]*?)```/g))
    files.set(match[1] as string, match[2] as string);
  return files;
}

before(async () => {
  const created = await brood(['create', dir]);
  assert.equal(created.code, 0, created.stderr);
  const install = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8', timeout: 180_000, env: appEnv() });
  assert.equal(install.status, 0, `npm install failed:\n${install.stdout}\n${install.stderr}`);
});

test('the tests of docs/testing.md pass in a new app, in both modes, under node:test', () => {
  const files = docsTests();
  assert.deepEqual([...files.keys()].sort(), ['test/app.test.ts', 'test/cluster.test.ts']);
  for (const [file, text] of files) {
    // They are the scaffold's own tests, which test/create.test.ts type-checks with the app's `npm test`.
    const scaffold = readFileSync(join(ROOT, 'packages/brood/template', file), 'utf8').replaceAll('{{name}}', 'my-app');
    assert.equal(text, scaffold, `docs/testing.md shows ${file} as brood create writes it`);
    rmSync(join(dir, file));
    writeFileSync(join(dir, file), text);
  }
  // What `npm test` runs after tsc.
  const tested = spawnSync(process.execPath, ['--import', 'tsx', '--test', 'test/app.test.ts', 'test/cluster.test.ts'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 180_000,
    env: appEnv(),
  });
  assert.equal(tested.status, 0, `the tests failed:\n${tested.stdout}\n${tested.stderr}`);
  assert.match(tested.stdout, /# pass 8\n/);
  assert.match(tested.stdout, /# fail 0\n/);
});

test('a test process killed by SIGKILL in the middle of a cluster test leaves no process behind', async (t) => {
  const pidsFile = join(root, 'pids.json');
  writeFileSync(
    join(dir, 'test/killed.test.ts'),
    `import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { startTestCluster } from 'brood/testing';

test('a cluster test that is killed half-way', async () => {
  const cluster = await startTestCluster();
  const { processes } = await cluster.status();
  writeFileSync(${JSON.stringify(pidsFile)}, JSON.stringify({ test: process.pid, cluster: processes.map((p) => p.pid) }));
  // Busy until killed.
  setInterval(() => {}, 1000);
  await new Promise(() => {});
});
`,
  );
  // An undefined variable is left out of the child's environment: it must not think it runs under this runner.
  const runner = new Cluster(process.execPath, ['--import', 'tsx', '--test', 'test/killed.test.ts'], { NODE_TEST_CONTEXT: undefined }, dir);
  const deadline = Date.now() + 60_000;
  while (!existsSync(pidsFile) || readFileSync(pidsFile, 'utf8') === '') {
    if (Date.now() > deadline) assert.fail(`the cluster test did not start within 60 s:\n${runner.output()}\n${runner.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const pids = JSON.parse(readFileSync(pidsFile, 'utf8')) as { test: number; cluster: number[] };
  assert.equal(pids.cluster.length, 4, 'master, agent, two workers');
  assert.ok(pids.cluster.every(isAlive));
  process.kill(pids.test, 'SIGKILL');
  const killedAt = performance.now();
  const ms = await waitGone([pids.test, ...pids.cluster], 3000, killedAt);
  t.diagnostic(`the test process and its cluster (${pids.cluster.length} processes) gone ${ms.toFixed(0)} ms after its SIGKILL`);
  await runner.exit(20_000);
});
