import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { importAppStem } from '@brood/core';
import { broodError, ERR } from '@brood/errors';
import type { Middleware } from 'koa';
import type { WorkerApplication } from './worker-application.js';

/** What `app/middleware/<name>.ts` exports by default. */
export type MiddlewareFactory = (options: Record<string, unknown>, app: WorkerApplication) => Middleware;

/**
 * Loads the app's own middleware in the order `config.middleware` names
 * them, each built with `config.<name>` as its options. A name without a
 * file, or a file without a factory, stops start-up naming it. A
 * middleware whose options say `enable: false` is skipped.
 */
export async function loadAppMiddleware(app: WorkerApplication): Promise<Array<{ name: string; middleware: Middleware }>> {
  const names = app.config.middleware ?? [];
  if (!Array.isArray(names) || names.some((name) => typeof name !== 'string')) {
    throw broodError(ERR.MIDDLEWARE_INVALID, 'config.middleware must be an array of middleware names');
  }
  const loaded: Array<{ name: string; middleware: Middleware }> = [];
  for (const name of names as string[]) {
    const options = (app.config[name] ?? {}) as Record<string, unknown>;
    if (options.enable === false) continue;
    const found = await importAppStem(app.processOptions.buildDir, app.baseDir, `app/middleware/${name}`);
    if (found === undefined) {
      const known = existsSync(join(app.baseDir, 'app/middleware')) ? '' : ' (the app has no app/middleware folder)';
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
    loaded.push({ name, middleware });
  }
  return loaded;
}
