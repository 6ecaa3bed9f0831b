#!/usr/bin/env node
// Runs every test file with Node's test runner; TypeScript test files load through tsx.
//   node test/run.mjs                  every test: the process tests in test/, the examples' and the packages' unit tests
//   node test/run.mjs --unit           the packages' unit tests only (packages/*/test): no cluster starts, a few seconds
//   node test/run.mjs test/x.test.ts   the files named
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return entry.name === 'fixtures' || entry.name === 'node_modules' ? [] : find(join(dir, entry.name));
    return entry.name.endsWith('.test.ts') ? [join(dir, entry.name)] : [];
  });
}

/** The `test` folder of each folder under `parent` that has one. */
function testsUnder(parent) {
  return readdirSync(join(root, parent), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      try {
        return find(join(root, parent, entry.name, 'test'));
      } catch {
        return [];
      }
    });
}

const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const only = args.filter((arg) => arg !== '--unit');
// Each package carries its unit tests, the examples carry their own tests: they run here too.
const units = testsUnder('packages');
const all = unitOnly ? units : [...find(join(root, 'test')), ...testsUnder('examples'), ...units];
const files = (only.length > 0 ? only : all.map((f) => relative(root, f))).sort();
// Each test has its own timeout; the whole run has one too, so that nothing can hang CI.
const RUN_TIMEOUT_MS = 15 * 60_000;
const started = performance.now();
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=120000', ...files], {
  cwd: root,
  stdio: 'inherit',
  timeout: RUN_TIMEOUT_MS,
  killSignal: 'SIGTERM',
});
if (result.error !== undefined) process.stderr.write(`test run stopped: ${result.error.message}\n`);
process.stderr.write(`${files.length} test files in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
process.exit(result.status ?? 1);
