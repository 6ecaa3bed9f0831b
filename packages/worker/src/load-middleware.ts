import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { importAppStem, propertyName } from '@brood/core';
import { broodError, ERR } from '@brood/errors';
import type { Middleware } from 'koa';
import { guarded, requestMatcher } from './middleware-match.js';
import type { WorkerApplication } from './worker-application.js';

/** What `app/middleware/<name>.ts` exports by default. */
export type MiddlewareFactory = (options: Record<string, unknown>, app: WorkerApplication) => Middleware;

const SOURCE = /\.(?:ts|mts|js|mjs)$/;

/** The stems of the files in app/middleware: `api-key` for `api-key.ts`. */
function middlewareStems(baseDir: string): string[] {
  try {
    const names = readdirSync(join(baseDir, 'app/middleware'));
    return [...new Set(names.filter((n) => SOURCE.test(n) && !n.endsWith('.d.ts')).map((n) => n.replace(SOURCE, '')))].sort();
  } catch {
    return [];
  }
}

/**
 * The file stem a name of `config.middleware` stands for. A name is the
 * camelCased file name, as controllers and services are named
 * (`apiKey` is `api-key.ts`, `api_key.ts` or `apiKey.ts`); the file name
 * itself (`api-key`) is accepted too. Two files that camelCase alike make
 * the name ambiguous, which stops start-up naming both.
 */
export function middlewareStem(name: string, stems: string[]): string | undefined {
  const camel = stems.filter((stem) => propertyName(stem) === name);
  if (camel.length > 1) {
    throw broodError(
      ERR.MIDDLEWARE_INVALID,
      `config.middleware names ${name}, which is each of ${camel.map((s) => `app/middleware/${s}.ts`).join(' and ')}; rename one of them`,
    );
  }
  return camel[0] ?? stems.find((stem) => stem === name);
}

/**
 * Loads the app's own middleware in the order `config.middleware` names
 * them, each built with `config.<name>` as its options and run under their
 * `match` / `ignore`. A name without a file, or a file without a factory,
 * stops start-up naming it. A middleware whose options say `enable: false`
 * is skipped.
 */
export async function loadAppMiddleware(app: WorkerApplication): Promise<Array<{ name: string; middleware: Middleware }>> {
  const names = app.config.middleware ?? [];
  if (!Array.isArray(names) || names.some((name) => typeof name !== 'string')) {
    throw broodError(ERR.MIDDLEWARE_INVALID, 'config.middleware must be an array of middleware names');
  }
  const stems = middlewareStems(app.baseDir);
  const loaded: Array<{ name: string; middleware: Middleware }> = [];
  for (const name of names as string[]) {
    const options = (app.config[name] ?? app.config[propertyName(name)] ?? {}) as Record<string, unknown>;
    if (options.enable === false) continue;
    // Checked before the file is loaded: a wrong match/ignore stops start-up whatever the file does.
    const applies = requestMatcher(name, options);
    const stem = middlewareStem(name, stems);
    const found = stem === undefined ? undefined : await importAppStem(app.processOptions.buildDir, app.baseDir, `app/middleware/${stem}`);
    if (found === undefined) {
      const known = existsSync(join(app.baseDir, 'app/middleware'))
        ? ` (known: ${stems.length === 0 ? 'none' : stems.map(propertyName).join(', ')})`
        : ' (the app has no app/middleware folder)';
      throw broodError(ERR.MIDDLEWARE_NOT_FOUND, `config.middleware names ${name}, but app/middleware/${name}.ts does not exist${known}`);
    }
    const factory = found.module.default;
    if (typeof factory !== 'function') {
      throw broodError(ERR.MIDDLEWARE_INVALID, `${found.source} must export default a function (options, app) => middleware`);
    }
    const middleware = (factory as MiddlewareFactory)(options, app);
    if (typeof middleware !== 'function') {
      throw broodError(ERR.MIDDLEWARE_INVALID, `${found.source} returned ${typeof middleware}, not a middleware function`);
    }
    loaded.push({ name, middleware: guarded(middleware, applies) });
  }
  return loaded;
}
