/**
 * lazy-crypto, what keygrip's and tsscmp's `require('crypto')` gets in the
 * worker's bundle: node:crypto is not loaded until they use it, and then
 * every property is the real module's. A signed cookie through koa's own
 * Cookies, in the bundle, is tested by test/app-model.test.ts's apps.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const file = fileURLToPath(new URL('../dist/lazy-crypto.cjs', import.meta.url));

test('node:crypto is loaded on first use, not when the module is', () => {
  // In a process of its own, from a file (node -e loads crypto itself): this test process may have loaded it already.
  const dir = mkdtempSync(join(tmpdir(), 'brood-lazy-crypto-'));
  const script = join(dir, 'probe.cjs');
  writeFileSync(
    script,
    `
    const lazy = require(${JSON.stringify(file)});
    const before = process.moduleLoadList.includes('NativeModule crypto');
    const mac = lazy.createHmac('sha256', 'k').update('v').digest('hex');
    const after = process.moduleLoadList.includes('NativeModule crypto');
    console.log(JSON.stringify({ before, after, mac, equal: lazy.timingSafeEqual(Buffer.from('a'), Buffer.from('a')), has: 'createHmac' in lazy }));
  `,
  );
  let seen: unknown;
  try {
    seen = JSON.parse(execFileSync(process.execPath, [script], { encoding: 'utf8', timeout: 10_000 }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.deepEqual(seen, {
    before: false,
    after: true,
    mac: require('node:crypto').createHmac('sha256', 'k').update('v').digest('hex'),
    equal: true,
    has: true,
  });
});

test('every property read is the real module’s', () => {
  const lazy = require(file) as typeof import('node:crypto');
  const real = require('node:crypto') as typeof import('node:crypto');
  assert.equal(lazy.createHmac, real.createHmac);
  assert.equal(lazy.timingSafeEqual, real.timingSafeEqual);
  assert.equal(lazy.pseudoRandomBytes, real.pseudoRandomBytes);
  assert.equal(lazy.constants, real.constants);
});
