import { join } from 'node:path';
import { configEnvs, findAppMarker, type Logger } from '@brood/core';
import { compileApp } from '@brood/core/compile';
import { writeTypings } from '@brood/core/typings';
import { broodError, ERR, messageOf } from '@brood/errors';
import type { ResolvedOptions } from './options.js';

/**
 * What the master checks before it forks anything: an app in the folder
 * and config for the env (the port is bound next, by AppPort). A failure is
 * one line naming the cause.
 */
export function checkApp(settings: ResolvedOptions, logger: Logger): void {
  const { baseDir } = settings;
  if (findAppMarker(baseDir) === undefined) {
    throw broodError(ERR.APP_NOT_FOUND, `no Brood app in ${baseDir}: expected app/router.ts, app.ts or agent.ts`);
  }
  warnOfMissingEnvConfig(settings, logger);
}

/**
 * Compiles the app as it is now (unchanged sources reuse their build) and
 * keeps typings/brood.d.ts in step; resolves with the build folder.
 */
export async function buildApp(settings: ResolvedOptions, logger: Logger): Promise<string> {
  writeAppTypings(settings.baseDir, logger);
  const compiled = await compileApp(settings.baseDir, join(settings.baseDir, '.brood', 'build'));
  logger.debug({ files: compiled.files, cached: compiled.cached, ms: Math.round(compiled.ms) }, 'app compiled');
  return compiled.dir;
}

/**
 * An app with config files for some envs but none for this one: most
 * often a misspelt `--env`, which would otherwise run on the defaults
 * without a word.
 */
function warnOfMissingEnvConfig(settings: ResolvedOptions, logger: Logger): void {
  const { baseDir, env } = settings;
  const envs = configEnvs(baseDir);
  if (envs.length === 0 || envs.includes(env)) return;
  logger.warn(
    { env, envs },
    `env ${env} has no config/config.${env}.ts (this app has config for ${envs.join(', ')}): it runs on config/config.default.ts alone`,
  );
}

/** Writes typings/brood.d.ts; a read-only app folder only loses the typings. */
function writeAppTypings(baseDir: string, logger: Logger): void {
  try {
    const { file, changed } = writeTypings(baseDir);
    if (changed) logger.info({ file }, `typings written to ${file}`);
  } catch (error) {
    logger.warn({ err: error }, `cannot write typings: ${messageOf(error)}`);
  }
}
