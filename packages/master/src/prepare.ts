import { buildApp as buildAppIn, type Logger, requireApp, warnOfMissingEnvConfig } from '@brood/core';
import type { ResolvedOptions } from './options.js';

/**
 * What the master checks before it forks anything: an app in the folder
 * and config for the env (the port is bound next, by AppPort). A failure is
 * one line naming the cause.
 */
export function checkApp(settings: ResolvedOptions, logger: Logger): void {
  const { baseDir, env } = settings;
  requireApp(baseDir);
  warnOfMissingEnvConfig(baseDir, env, logger);
}

/**
 * Compiles the app as it is now (unchanged sources reuse their build) and
 * keeps typings/brood.d.ts in step; resolves with the build folder.
 */
export function buildApp(settings: ResolvedOptions, logger: Logger): Promise<string> {
  return buildAppIn(settings.baseDir, logger);
}
