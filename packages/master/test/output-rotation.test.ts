/**
 * How a daemon's output files rotate (copy, then truncate) and how the
 * folders of an app settle, on files in a temp folder: no cluster starts.
 */
import assert from 'node:assert/strict';
import { appendFileSync, closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { canWrite } from '../src/folders.js';
import { nextRotation, rotatedCopies, rotateFile } from '../src/output-rotation.js';

const made: string[] = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});
const folder = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'brood-rotation-'));
  made.push(dir);
  return dir;
};

test('a rotation copies the file to <file>.<n>, empties it, and the writer goes on at its start', () => {
  const dir = folder();
  const file = join(dir, 'default.stdout.log');
  // As a daemon's processes hold it: opened once, for appending.
  const fd = openSync(file, 'a');
  writeSync(fd, 'first\n');
  rotateFile(file, undefined);
  writeSync(fd, 'second\n');
  rotateFile(file, undefined);
  writeSync(fd, 'third\n');
  closeSync(fd);
  assert.deepEqual(rotatedCopies(file), [1, 2]);
  assert.equal(readFileSync(`${file}.1`, 'utf8'), 'first\n');
  assert.equal(readFileSync(`${file}.2`, 'utf8'), 'second\n');
  assert.equal(readFileSync(file, 'utf8'), 'third\n', 'appended at the new end: no hole of zeros where the old lines were');
});

test('copies past the limit are removed, oldest first; other files are left alone', () => {
  const dir = folder();
  const file = join(dir, 'default.stderr.log');
  appendFileSync(join(dir, 'default.stdout.log.1'), 'not ours\n');
  for (let i = 1; i <= 5; i++) {
    appendFileSync(file, `line ${i}\n`);
    rotateFile(file, 2);
  }
  assert.deepEqual(rotatedCopies(file), [4, 5]);
  assert.equal(readFileSync(`${file}.5`, 'utf8'), 'line 5\n');
  assert.ok(readdirSync(dir).includes('default.stdout.log.1'));
});

test('daily and hourly rotations fall on the next local midnight and hour; a number is a period in ms', () => {
  const now = new Date(2025, 4, 17, 13, 45, 10).getTime();
  assert.equal(nextRotation('daily', now), new Date(2025, 4, 18).getTime());
  assert.equal(nextRotation('hourly', now), new Date(2025, 4, 17, 14).getTime());
  assert.equal(nextRotation(60_000, now), now - (now % 60_000) + 60_000);
  assert.equal(nextRotation(undefined, now), undefined);
});

test('canWrite: a folder that does not exist yet counts as its nearest existing parent', () => {
  const dir = folder();
  assert.equal(canWrite(join(dir, 'a', 'b', 'c')), true);
  assert.equal(canWrite('/proc/1/brood-no-such-folder'), false);
});
