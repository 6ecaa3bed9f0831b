import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers/cluster.js';

test('docs/errors.md lists every ERR_BROOD_* code the packages define', () => {
  const codes = new Set<string>();
  for (const pkg of readdirSync(join(ROOT, 'packages'))) {
    const src = join(ROOT, 'packages', pkg, 'src');
    let files: string[];
    try {
      files = readdirSync(src, { recursive: true }) as string[];
    } catch {
      continue;
    }
    for (const file of files.filter((f) => f.endsWith('errors.ts'))) {
      for (const match of readFileSync(join(src, file), 'utf8').matchAll(/'(ERR_BROOD_[A-Z_]+)'/g)) codes.add(match[1] as string);
    }
  }
  assert.ok(codes.size > 10, 'the packages define their codes in errors.ts');
  const doc = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
  const missing = [...codes].filter((code) => !doc.includes(`## ${code}`));
  assert.deepEqual(missing, [], 'every code has a "## CODE" section in docs/errors.md');
});
