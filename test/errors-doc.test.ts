import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ERR } from '@brood/errors';
import { ROOT } from './helpers/cluster.js';

test('docs/errors.md has a section for every code of the registry', () => {
  const doc = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
  const missing = Object.values(ERR).filter((code) => !doc.includes(`## ${code}\n`));
  assert.deepEqual(missing, [], 'every code has a "## CODE" section in docs/errors.md');
  const documented = [...doc.matchAll(/^## (ERR_BROOD_[A-Z_]+)$/gm)].map((m) => m[1]);
  const stale = documented.filter((code) => !(Object.values(ERR) as string[]).includes(code as string));
  assert.deepEqual(stale, [], 'docs/errors.md documents no code the registry lacks');
});

test('no source file writes an error code of its own: every code comes from the registry', () => {
  const offenders: string[] = [];
  for (const pkg of readdirSync(join(ROOT, 'packages'))) {
    if (pkg === 'errors') continue;
    const src = join(ROOT, 'packages', pkg, 'src');
    let files: string[];
    try {
      files = readdirSync(src, { recursive: true }) as string[];
    } catch {
      continue;
    }
    for (const file of files.filter((f) => /\.c?ts$/.test(f))) {
      // Code, not comments: a doc comment may name a code in backticks.
      const code = readFileSync(join(src, file), 'utf8')
        .split('\n')
        .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line))
        .join('\n');
      for (const match of code.matchAll(/['"`](ERR_BROOD_[A-Z_]+)['"`]/g)) offenders.push(`packages/${pkg}/src/${file}: ${match[1]}`);
    }
  }
  assert.deepEqual(offenders, [], 'use ERR.<NAME> from @brood/errors');
});
