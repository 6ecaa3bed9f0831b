/**
 * brood/testing under other test runners than node:test, with their own
 * hooks and nothing global: the files of test/fixtures/apps/runners, on the
 * fixture app test/fixtures/apps/testing, in both modes. Each runner must
 * pass and exit by itself (no handle left open).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { FIXTURES } from './helpers/cluster.js';

const DIR = `${FIXTURES}runners`;

function run(bin: string, args: string[]) {
  const env = { ...process.env, CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' };
  // The runner under test must not think it runs under this one.
  delete env.NODE_TEST_CONTEXT;
  return spawnSync(`${DIR}/node_modules/.bin/${bin}`, args, { cwd: DIR, encoding: 'utf8', timeout: 120_000, env, killSignal: 'SIGKILL' });
}

test('mocha: both modes pass, and mocha exits without --exit', () => {
  const result = run('mocha', ['mocha.test.mjs']);
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /5 passing/);
});

test('vitest: both modes pass', () => {
  const result = run('vitest', ['run', 'vitest.test.mjs']);
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  assert.match(result.stdout, /Tests\s+5 passed \(5\)/);
});
