import { join } from 'node:path';
import { buildApp as buildAppIn, type Logger, requireApp, warnOfMissingEnvConfig } from '@brood/core';
import { canWrite, makePrivateDir, privateAppDir } from './folders.js';
import type { ResolvedOptions } from './options.js';

/**
 * What the master checks of the app before it forks anything: an app in
 * the folder, config for the env. A failure is one line naming the cause.
 * (The port is bound apart, by AppPort, once the control socket has shown
 * that no other master of this app and title holds it.)
 */
export function checkApp(settings: ResolvedOptions, logger: Logger): void {
  const { baseDir, env } = settings;
  requireApp(baseDir);
  warnOfMissingEnvConfig(baseDir, env, logger);
}

/**
 * Compiles the app as it is now (unchanged sources reuse their build) and
 * keeps typings/brood.d.ts in step; resolves with the build folder.
 *
 * A build folder this user cannot write (a read-only image) is read where
 * `brood build` put it; when it holds no build of these sources, the app
 * is compiled into the private folder instead, and a line says so.
 */
export function buildApp(settings: ResolvedOptions, logger: Logger): Promise<string> {
  const { baseDir, buildDir } = settings;
  const fallback = (): string => {
    makePrivateDir(privateAppDir(baseDir));
    return join(privateAppDir(baseDir), 'build');
  };
  return buildAppIn(baseDir, logger, { dir: buildDir, readOnly: !canWrite(buildDir), fallback });
}
