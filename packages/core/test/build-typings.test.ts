/**
 * buildApp and typings/brood.d.ts: written with every new build of the
 * sources and when missing, left alone when a start reuses the build.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { buildApp, createLogger } from '@brood/core';

const logger = createLogger({
  role: 'master',
  level: 'error',
  destination: new Writable({ write: (_chunk, _encoding, done) => done() }),
});
const baseDir = mkdtempSync(join(tmpdir(), 'brood-typings-'));
after(() => rmSync(baseDir, { recursive: true, force: true }));

const typings = join(baseDir, 'typings', 'brood.d.ts');
const write = (file: string, text: string) => {
  mkdirSync(join(baseDir, file, '..'), { recursive: true });
  writeFileSync(join(baseDir, file), text);
};

test('typings follow the builds: new sources write them, a reused build leaves them, a missing file is written', async () => {
  write('app/router.ts', "export default (router: any) => router.get('/', (ctx: any) => { ctx.body = 'hi'; });\n");
  write('app/controller/home.ts', 'export async function index() {}\n');
  const first = await buildApp(baseDir, logger);
  assert.match(readFileSync(typings, 'utf8'), /Controller0 from '\.\.\/app\/controller\/home\.js'/);

  // Unchanged sources: the build is reused and the typings are not rendered again.
  writeFileSync(typings, '// left as it was\n');
  assert.equal(await buildApp(baseDir, logger), first);
  assert.equal(readFileSync(typings, 'utf8'), '// left as it was\n');

  // Missing: written, though the build is reused.
  rmSync(typings);
  assert.equal(await buildApp(baseDir, logger), first);
  assert.match(readFileSync(typings, 'utf8'), /Controller0/);

  // A new source: a new build, and typings that name it.
  write('app/service/users.ts', 'export default class Users {}\n');
  assert.notEqual(await buildApp(baseDir, logger), first);
  assert.match(readFileSync(typings, 'utf8'), /Service0 from '\.\.\/app\/service\/users\.js'/);
});

test('a source that does not compile still gets its typings', async () => {
  write('app/controller/broken.ts', 'export async function index( {\n');
  await assert.rejects(buildApp(baseDir, logger));
  assert.match(readFileSync(typings, 'utf8'), /app\/controller\/broken\.js/);
  rmSync(join(baseDir, 'app/controller/broken.ts'));
});
