/**
 * docs/api is TypeDoc's Markdown of the public API, committed so that the
 * docs link to it in the repository itself; this test keeps it in step with
 * the doc comments (`npx -y pnpm@12.4.2 docs:api` writes it again).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { ROOT } from './helpers/cluster.js';

const out = mkdtempSync(join(tmpdir(), 'brood-api-'));
after(() => rmSync(out, { recursive: true, force: true }));

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

test('docs/api is what TypeDoc makes of the doc comments now', () => {
  const run = spawnSync(process.execPath, [join(ROOT, 'node_modules/typedoc/bin/typedoc'), '--out', out], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 90_000,
  });
  assert.equal(run.status, 0, `typedoc failed:\n${run.stdout}${run.stderr}`);
  const committed = files(join(ROOT, 'docs/api'));
  assert.deepEqual(committed, files(out), 'the same pages: run `npx -y pnpm@12.4.2 docs:api` and commit docs/api');
  const stale = committed.filter((file) => readFileSync(join(ROOT, 'docs/api', file), 'utf8') !== readFileSync(join(out, file), 'utf8'));
  assert.deepEqual(stale, [], 'the same text: run `npx -y pnpm@12.4.2 docs:api` and commit docs/api');
  const index = readFileSync(join(ROOT, 'docs/api/README.md'), 'utf8');
  for (const name of ['WorkerApplication', 'MessageMeta', 'BroodError', 'functions/start.md', 'isBroodError'])
    assert.match(index, new RegExp(name));
});
