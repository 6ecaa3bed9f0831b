import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { broodError, ERR, messageOf } from '@brood/errors';
import { compiledName, SOURCE_EXTENSIONS } from './app-files.js';
import { inStage } from './boot-stage.js';

/**
 * `import()`, from the module loader that started this process. A process
 * running from its bundle (`run-bundle.cts`) runs it as a vm script, which
 * has no `import()` of its own: the loader lends one.
 */
function importModule(url: string): Promise<unknown> {
  const lent = (globalThis as Record<symbol, unknown>)[Symbol.for('brood.import')];
  return typeof lent === 'function' ? (lent as (url: string) => Promise<unknown>)(url) : import(url);
}

/**
 * Imports a package that is loaded only when a feature needs it (`@brood/cluster`),
 * resolved from `from` (the caller's `import.meta.url`, which in a bundle is
 * the bundle's own URL). A plain `import('pkg')` in a bundle would resolve
 * from the module that lent `import()`, not from the bundle's package.
 */
export async function importPackage<T>(specifier: string, from: string): Promise<T> {
  return (await importModule(pathToFileURL(createRequire(from).resolve(specifier)).href)) as T;
}

/**
 * Imports a compiled app file, named by its source path (`app/router.ts`)
 * so that errors point at what the user wrote. Resolves to undefined when
 * the app has no such file.
 */
export async function importAppFile(buildDir: string, source: string): Promise<Record<string, unknown> | undefined> {
  // A string, not a join: pathToFileURL resolves it once more anyway (see importAppStem).
  const compiled = `${buildDir}/${compiledName(source)}`;
  if (!existsSync(compiled)) return undefined;
  try {
    return (await inStage(`importing ${source}`, () => importModule(pathToFileURL(compiled).href))) as Record<string, unknown>;
  } catch (error) {
    throw broodError(ERR.LOAD_FAILED, `${source} threw while loading: ${messageOf(error)}`, error);
  }
}

/** Imports the first of `stem.ts`, `stem.mts`, `stem.js`, `stem.mjs` the app has. */
export async function importAppStem(
  buildDir: string,
  baseDir: string,
  stem: string,
): Promise<{ source: string; module: Record<string, unknown> } | undefined> {
  // Strings, not path.join: `stem` is a clean relative path and `baseDir` absolute. With the app
  // deep in the file system, joins were most of a process's path work at boot, enough for V8 to
  // optimise path's normalizeString and page in its optimising compiler (3.7 MB of RSS) in
  // every process, idle as it may stay.
  const base = `${baseDir}/${stem}`;
  for (const ext of SOURCE_EXTENSIONS) {
    const source = stem + ext;
    if (existsSync(base + ext)) {
      const module = await importAppFile(buildDir, source);
      if (module !== undefined) return { source, module };
    }
  }
  return undefined;
}
