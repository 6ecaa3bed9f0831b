import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

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
