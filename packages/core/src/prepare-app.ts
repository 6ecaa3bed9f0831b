import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type BroodError, broodError, ERR, messageOf } from '@brood/errors';
import { configEnvs, findAppMarker } from './app-files.js';
import { type CompileResult, compileApp } from './compile.js';
import type { Logger } from './logger.js';
import { TYPINGS_FILE, writeTypings } from './typings.js';

/** The error of a folder that holds no Brood app. */
export function noApp(baseDir: string): BroodError {
  return broodError(ERR.APP_NOT_FOUND, `no Brood app in ${baseDir}: expected app/router.ts, app.ts or agent.ts`);
}

/** Throws `ERR_BROOD_APP_NOT_FOUND` unless `baseDir` holds a Brood app. */
export function requireApp(baseDir: string): void {
  if (findAppMarker(baseDir) === undefined) throw noApp(baseDir);
}

/**
 * An app with config files for some envs but none for this one: most
 * often a misspelt env, which would otherwise run on the defaults
 * without a word.
 */
export function warnOfMissingEnvConfig(baseDir: string, env: string, logger: Logger): void {
  const envs = configEnvs(baseDir);
  if (envs.length === 0 || envs.includes(env)) return;
  logger.warn(
    { env, envs },
    `env ${env} has no config/config.${env}.ts (this app has config for ${envs.join(', ')}): it runs on config/config.default.ts alone`,
  );
}

/** Where a build goes. */
export interface BuildPlace {
  /** The build folder: `.brood/build` in the app folder unless moved. */
  dir: string;
  /** True when this user cannot write `dir`: a build there is read as it is, none is written. */
  readOnly?: boolean;
  /** The folder to compile into when `dir` is read-only and holds no build of these sources. */
  fallback?: () => string;
}

/**
 * Compiles the app as it is now (unchanged sources reuse their build) and
 * keeps typings/brood.d.ts in step; resolves with the build folder. The
 * master does it before it forks anything, brood/testing before it boots
 * an app in the test process. A read-only build folder (a container image
 * built with `brood build`) is read where it is; when it holds no build of
 * these sources, the app is compiled into the fallback, and a line says so.
 */
export async function buildApp(baseDir: string, logger: Logger, place?: BuildPlace): Promise<string> {
  let reused = false;
  try {
    const compiled = await compileInto(baseDir, logger, place);
    logger.debug({ files: compiled.files, cached: compiled.cached, ms: Math.round(compiled.ms) }, 'app compiled');
    reused = compiled.cached;
    return compiled.dir;
  } finally {
    // The typings follow from the same sources as the build: a build reused means typings
    // already written for these sources (OUTPUT_VERSION covers a change of their format).
    // Not rendering them again keeps a start from scanning the app folder twice.
    if (!reused || !existsSync(join(baseDir, TYPINGS_FILE))) writeAppTypings(baseDir, logger);
  }
}

/** The app compiled into `place`, or its build there reused; into the fallback when `place` is read-only and has none. */
async function compileInto(baseDir: string, logger: Logger, place?: BuildPlace): Promise<CompileResult> {
  const dir = place?.dir ?? join(baseDir, '.brood', 'build');
  const fallback = place?.readOnly === true ? place.fallback : undefined;
  if (fallback === undefined) return compileApp(baseDir, dir);
  const found = await compileApp(baseDir, dir, { readOnly: true });
  if (found !== undefined) return found;
  const into = fallback();
  logger.info(
    { buildDir: dir, fallback: into },
    `${dir} holds no build of these sources and is not writable (run brood build): compiling into ${into}`,
  );
  return compileApp(baseDir, into);
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
