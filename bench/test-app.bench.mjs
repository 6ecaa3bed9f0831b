#!/usr/bin/env node
/**
 * How fast brood/testing's createTestApp boots the app `brood create` writes
 * (its agent and one worker, in process). Not a test: a figure for
 * docs/testing.md.
 *
 *   node bench/test-app.bench.mjs          (after a build; RUNS=15 by default)
 *
 * - first boot: a fresh process, the app never compiled (esbuild runs);
 * - fresh process: a new process each time, the compiled app cached on disk:
 *   what a test file pays (node:test, mocha and vitest run a file per process),
 *   `createTestApp()` alone and from the process start;
 * - same process: boots after the first in one process, as a test file that
 *   makes an app per test pays;
 * - a bare `node -e 0`, to read the others against this machine's speed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, quantile } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.RUNS ?? 15);
const dir = mkdtempSync(join(tmpdir(), 'brood-bench-testapp-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const app = join(dir, 'app');
execFileSync(process.execPath, [`${root}packages/brood/bin/brood.js`, 'create', app], { stdio: 'ignore' });
// As `npm install` would link it (a file: dependency), without the network.
mkdirSync(join(app, 'node_modules'));
symlinkSync(`${root}packages/brood`, join(app, 'node_modules', 'brood'));

// One process: boots `count` apps one after the other, prints the ms of each and of the process start.
const script = join(app, 'boot.mjs');
writeFileSync(
  script,
  `const count = Number(process.argv[2]);
const { createTestApp } = await import('brood/testing');
const boots = [];
let ready = 0;
for (let i = 0; i < count; i++) {
  const started = performance.now();
  const app = await createTestApp({ baseDir: ${JSON.stringify(app)} });
  boots.push(performance.now() - started);
  if (i === 0) ready = performance.now();
  await app.httpRequest().get('/').expect(200);
  await app.close();
}
process.stdout.write(JSON.stringify({ boots, ready }));
`,
);
const boot = (count) => {
  const result = spawnSync(process.execPath, [script, String(count)], { cwd: app, encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`boot failed:\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(result.stdout);
};
const bare = () => {
  const started = performance.now();
  spawnSync(process.execPath, ['-e', '0']);
  return performance.now() - started;
};

const first = boot(1);
const fresh = Array.from({ length: RUNS }, () => boot(1));
const same = boot(RUNS + 1).boots.slice(1);
const nodes = Array.from({ length: RUNS }, bare);

const ms = (value) => `${Math.round(value)} ms`;
const row = (what, values) => `| ${what} | ${ms(median(values))} | ${ms(quantile(values, 0.9))} |`;
const lines = [
  `createTestApp on the \`brood create\` app, ${RUNS} runs, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}:`,
  '',
  '| | median | p90 |',
  '| --- | --- | --- |',
  `| first boot, compiling the app (one run) | ${ms(first.boots[0])} | |`,
  row(
    'fresh process, compiled app cached: `createTestApp()`',
    fresh.map((r) => r.boots[0]),
  ),
  row(
    'fresh process, from its start to the app ready',
    fresh.map((r) => r.ready),
  ),
  row('same process, each boot after the first', same),
  row('`node -e 0` (the machine)', nodes),
];
process.stdout.write(`${lines.join('\n')}\n`);
