#!/usr/bin/env node
// Runs every test file with Node's test runner; TypeScript test files load through tsx.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const testDir = join(root, 'test');

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return entry.name === 'fixtures' || entry.name === 'node_modules' ? [] : find(join(dir, entry.name));
    return entry.name.endsWith('.test.ts') ? [join(dir, entry.name)] : [];
  });
}

const only = process.argv.slice(2);
// The examples carry their own tests: they run here too.
const examples = readdirSync(join(root, 'examples'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((entry) => {
    try {
      return find(join(root, 'examples', entry.name, 'test'));
    } catch {
      return [];
    }
  });
const files = (only.length > 0 ? only : [...find(testDir), ...examples].map((f) => relative(root, f))).sort();
// Each test has its own timeout; the whole run has one too, so that nothing can hang CI.
const RUN_TIMEOUT_MS = 15 * 60_000;
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=120000', ...files], {
  cwd: root,
  stdio: 'inherit',
  timeout: RUN_TIMEOUT_MS,
  killSignal: 'SIGTERM',
});
if (result.error !== undefined) process.stderr.write(`test run stopped: ${result.error.message}\n`);
process.exit(result.status ?? 1);
