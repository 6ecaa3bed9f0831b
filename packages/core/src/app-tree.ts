import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SOURCE } from './app-files.js';
import { byCodeUnits } from './compare.js';

/** One file of a convention folder (`app/controller`, `app/service`, …). */
export interface TreeFile {
  /** The source path as the user wrote it: `app/controller/admin/user.ts`. */
  source: string;
  /** Its property path: `['admin', 'user']`. */
  path: string[];
}

/** `user-profile` and `user_profile` → `userProfile`, as Egg names them. */
export function propertyName(stem: string): string {
  return stem.replace(/[-_]+([a-zA-Z0-9])/g, (_, char: string) => char.toUpperCase());
}

/**
 * Lists the source files under `folder` of the app, sorted, each with the
 * property path it is reached by: nested folders give nested names.
 */
export function scanTree(baseDir: string, folder: string): TreeFile[] {
  const root = join(baseDir, folder);
  if (!existsSync(root)) return [];
  const files: TreeFile[] = [];
  // Relative paths as strings, without path.join/relative per file: see listSources.
  const walk = (dir: string, parts: string[]): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(`${dir}/${entry.name}`, [...parts, entry.name]);
      else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        const names = [...parts, entry.name.replace(SOURCE, '')];
        files.push({ source: [folder, ...parts, entry.name].join('/'), path: names.map(propertyName) });
      }
    }
  };
  walk(root, []);
  return files.sort((a, b) => byCodeUnits(a.source, b.source));
}
