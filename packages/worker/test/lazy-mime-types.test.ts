/**
 * lazy-mime-types, what every bundled `require('mime-types')` gets: koa's
 * content types answered without loading mime-db, the same answers as
 * mime-types itself, and the real module for anything else.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';

const require = createRequire(import.meta.url);
const lazy = require('../dist/lazy-mime-types.cjs') as {
  contentType(str: string): string | false;
  lookup(path: string): string | false;
  charset(type: string): string | false;
  extension(type: string): string | false;
  types: Record<string, string>;
  loaded: boolean;
};
const real = require('mime-types') as typeof lazy;

test("koa's content types are answered without the real module, as the real module answers them", () => {
  const asked = ['html', 'text', 'json', 'bin', 'text/html', 'text/plain', 'application/json', 'application/octet-stream'];
  for (const type of asked) assert.equal(lazy.contentType(type), real.contentType(type), type);
  assert.equal(lazy.loaded, false);
});

test('anything else loads the real module once and answers as it does', () => {
  assert.equal(lazy.contentType('png'), real.contentType('png'));
  assert.equal(lazy.loaded, true);
  for (const type of ['css', 'text/csv', 'application/xml', 'nothing-like-it', '']) {
    assert.equal(lazy.contentType(type), real.contentType(type), type);
  }
  assert.equal(lazy.lookup('a/b/report.pdf'), 'application/pdf');
  assert.equal(lazy.charset('application/json'), 'UTF-8');
  assert.equal(lazy.extension('image/svg+xml'), 'svg');
  assert.equal(lazy.types.js, real.types.js);
});
