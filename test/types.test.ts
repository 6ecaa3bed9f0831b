import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { ROOT } from './helpers/cluster.js';

const tsc = (project: string) =>
  spawnSync(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, '-p', project], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

test('messenger actions are typed: a wrong action or payload is a compile error', () => {
  const result = tsc('test/types/tsconfig.json');
  assert.equal(result.status, 0, `tsc failed:\n${result.stdout}${result.stderr}`);
});

for (const example of ['hello', 'todo']) {
  test(`the ${example} example type-checks with its generated typings`, () => {
    const typings = spawnSync(process.execPath, [`${ROOT}packages/brood/bin/brood.js`, 'typings', `examples/${example}`], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(typings.status, 0, typings.stderr);
    const result = tsc(`examples/${example}/tsconfig.json`);
    assert.equal(result.status, 0, `tsc failed:\n${result.stdout}${result.stderr}`);
  });
}
