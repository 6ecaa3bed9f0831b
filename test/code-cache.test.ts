/**
 * The V8 code cache of the three process bundles (packages/core/src/run-bundle.cts):
 * written by the first start, read and accepted by the next.
 *
 * The caches live beside the bundles, in `dist/.code-cache`, shared by every
 * test of this checkout. To start from no cache without racing the tests
 * that run alongside, the packages are copied — their dist, bin and
 * node_modules links — into a temporary folder whose `node_modules` is this
 * checkout's, and the app is started from that copy.
 *
 * What shows that a cache was accepted: run-bundle writes a bundle's cache
 * only when the file is missing or V8 rejects it (`script.cachedDataRejected`),
 * and it writes through a rename, so a cache rewritten gets a new inode. A
 * second start that leaves every cache file as it was has had each accepted
 * (a cache overwritten with garbage between two starts fails that check).
 * The tests run in the order written, on one copy: each starts from the
 * caches the one before left.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, type Stats, statSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { Cluster, killAll, ROOT } from './helpers/cluster.js';
import { removeTempApps, tempApp } from './helpers/temp-app.js';

afterEach(killAll);
after(removeTempApps);

/** The bundles each process runs, by the package that holds it. */
const BUNDLES = [
  ['brood', 'cli.bundle.cjs'],
  ['agent', 'main.bundle.cjs'],
  ['worker', 'main.bundle.cjs'],
] as const;

let copy: string;
let app: string;
let starts = 0;

before(() => {
  copy = mkdtempSync(join(tmpdir(), 'brood-code-cache-'));
  for (const pkg of readdirSync(join(ROOT, 'packages'))) {
    for (const part of ['package.json', 'bin', 'dist', 'node_modules']) {
      const from = join(ROOT, 'packages', pkg, part);
      if (!existsSync(from)) continue;
      cpSync(from, join(copy, 'packages', pkg, part), {
        recursive: true,
        // The links stay relative: @brood/* lead to the copies, the rest through node_modules below.
        verbatimSymlinks: true,
        filter: (source) => basename(source) !== '.code-cache',
      });
    }
  }
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
  app = tempApp({
    'app/router.ts': "export default (router) => { router.get('/', (ctx) => { ctx.body = 'ok'; }); };\n",
    'agent.ts': 'export default {};\n',
  });
});
after(() => rmSync(copy, { recursive: true, force: true }));

/** Starts the app from the copy with two workers, waits until it serves, and stops it. */
async function startAndStop(): Promise<void> {
  const title = `code-cache-${process.pid}-${++starts}`;
  const cluster = new Cluster(
    process.execPath,
    [join(copy, 'packages/brood/bin/brood.js'), 'start', app, '--port', '0', '--workers', '2', '--title', title],
    { BROOD_ENV: 'test' },
  );
  cluster.title = title;
  cluster.dir = app;
  await cluster.started();
  cluster.signal('SIGTERM');
  const exit = await cluster.exit();
  assert.equal(exit.code, 0, `${cluster.output()}\n${cluster.stderr}`);
}

/** The files in a package's `dist/.code-cache`, by name. */
function cacheFiles(pkg: string): Map<string, Stats> {
  const dir = join(copy, 'packages', pkg, 'dist', '.code-cache');
  if (!existsSync(dir)) return new Map();
  return new Map(readdirSync(dir).map((name) => [name, statSync(join(dir, name))]));
}

/** Each bundle's one cache file: its name, inode and mtime. */
function caches(): Map<string, { name: string; ino: number; mtimeMs: number }> {
  const found = new Map<string, { name: string; ino: number; mtimeMs: number }>();
  for (const [pkg, bundle] of BUNDLES) {
    const files = [...cacheFiles(pkg)];
    assert.equal(files.length, 1, `one cache file for ${pkg}/dist/${bundle}, found: ${files.map(([name]) => name).join(', ') || 'none'}`);
    const [name, stats] = files[0] as [string, Stats];
    assert.ok(name.startsWith(`${bundle}-`) && name.endsWith(`-${process.version}-${process.arch}.bin`), name);
    assert.ok(stats.size > 0, `${name} is not empty`);
    found.set(pkg, { name, ino: stats.ino, mtimeMs: stats.mtimeMs });
  }
  return found;
}

test('the first start writes a code cache for each bundle: the CLI and master, the agent, the worker', async () => {
  for (const [pkg] of BUNDLES) assert.deepEqual([...cacheFiles(pkg).keys()], [], `${pkg} starts without a cache`);
  await startAndStop();
  caches();
});

test('the second start accepts every cache: none is written again', async () => {
  const first = caches();
  await startAndStop();
  assert.deepEqual(caches(), first);
});

test('a rebuilt bundle gets a new cache, and the stale one is removed', async () => {
  const first = caches();
  // What a rebuild changes in the cache's name: the bundle's mtime.
  const bundle = join(copy, 'packages/worker/dist/main.bundle.cjs');
  const later = new Date(statSync(bundle).mtimeMs + 60_000);
  utimesSync(bundle, later, later);
  await startAndStop();
  const second = caches();
  assert.notEqual(second.get('worker')?.name, first.get('worker')?.name, 'the worker bundle has a cache of its new build');
  assert.deepEqual(second.get('agent'), first.get('agent'), 'the agent bundle did not change: its cache stays');
  assert.deepEqual(second.get('brood'), first.get('brood'));
});
