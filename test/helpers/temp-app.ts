import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { FIXTURES } from './cluster.js';

const made: string[] = [];

/** Writes an app of the given files into a fresh temporary folder and returns its path. */
export function tempApp(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'brood-app-'));
  made.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** Removes every folder {@link tempApp} made. */
export function removeTempApps(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A copy of the fixture app `name` in a fresh temporary folder, without what runs left in the fixture (run/, logs/, builds, typings). */
export function fixtureCopy(name: string): string {
  const dir = tempApp({});
  const skip = new Set(['run', 'logs', '.brood', 'typings']);
  cpSync(join(FIXTURES, name), dir, { recursive: true, filter: (source) => !skip.has(basename(source)) });
  return dir;
}
