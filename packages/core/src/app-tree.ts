import { existsSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** One file of a convention folder (`app/controller`, `app/service`, …). */
export interface TreeFile {
  /** The source path as the user wrote it: `app/controller/admin/user.ts`. */
  source: string;
  /** Its property path: `['admin', 'user']`. */
  path: string[];
}

const SOURCE = /\.(?:ts|mts|js|mjs)$/;

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
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        const parts = relative(root, full).split(sep);
        const last = parts.length - 1;
        parts[last] = (parts[last] as string).replace(SOURCE, '');
        files.push({ source: relative(baseDir, full).split(sep).join('/'), path: parts.map(propertyName) });
      }
    }
  };
  walk(root);
  return files.sort((a, b) => a.source.localeCompare(b.source));
}
