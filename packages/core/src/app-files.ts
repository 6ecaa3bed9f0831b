import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';

/** Folders never compiled: dependencies, build output, the app's own tests. */
const SKIPPED = new Set(['node_modules', '.brood', 'dist', 'test', 'run', 'logs', '.git']);
/** The extensions of an app's source files, in the order a stem's file is looked for. */
export const SOURCE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'] as const;
/** A source file's name (declarations are told apart by their `.d.ts`). */
export const SOURCE = /\.(?:ts|mts|js|mjs)$/;

/** Every source file of the app, relative to `baseDir`, declarations left out. */
export function listSources(baseDir: string): string[] {
  const found: string[] = [];
  // Paths are put together as strings (`prefix` is the folder relative to baseDir, with its
  // slash): a start lists every source, and path.join/relative per file is most of the time
  // a process spends in path code, enough to have V8 optimise it (3.6 MB of compiler pages).
  const walk = (dir: string, prefix: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIPPED.has(entry.name) && !entry.name.startsWith('.')) walk(`${dir}/${entry.name}`, `${prefix}${entry.name}/`);
      } else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        found.push(`${prefix}${entry.name}`);
      }
    }
  };
  walk(resolve(baseDir), '');
  return found.sort();
}

/** The first of `app/router`, `app`, `agent` (any source extension) that exists, or undefined. */
export function findAppMarker(baseDir: string): string | undefined {
  if (!existsSync(baseDir) || !statSync(baseDir).isDirectory()) return undefined;
  for (const stem of ['app/router', 'app', 'agent']) {
    const found = sourceOfStem(baseDir, stem);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** True when `path` is `dir` or inside it. */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The first of `stem.ts`, `.mts`, `.js`, `.mjs` the app has, relative to `baseDir`. */
export function sourceOfStem(baseDir: string, stem: string): string | undefined {
  // Appended as strings, not joined: see importAppStem (load-module.ts).
  const base = `${baseDir}/${stem}`;
  const ext = SOURCE_EXTENSIONS.find((candidate) => existsSync(base + candidate));
  return ext === undefined ? undefined : stem + ext;
}

/** The compiled name of a source file: `app/router.ts` → `app/router.js`. */
export function compiledName(source: string): string {
  return source.replace(/\.(?:ts|mts|mjs)$/, '.js');
}

/**
 * The envs the app has a config file for (`config/config.<env>.ts`, `.mts`,
 * `.js`, `.mjs`), `default` excluded, sorted.
 */
export function configEnvs(baseDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(join(baseDir, 'config'));
  } catch {
    return [];
  }
  const envs = names.flatMap((name) => {
    const match = /^config\.(.+)\.(?:ts|mts|js|mjs)$/.exec(name);
    return match === null || match[1] === 'default' || (match[1] as string).endsWith('.d') ? [] : [match[1] as string];
  });
  return [...new Set(envs)].sort();
}
