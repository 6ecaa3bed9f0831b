import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { broodError, ERR } from '@brood/errors';
import { monotonicMs } from '@brood/messenger';
import type { Message } from 'esbuild';
import { isInside, listSources } from './app-files.js';

/** What one compilation produced. */
export interface CompileResult {
  /** The folder holding the compiled app. */
  dir: string;
  files: number;
  /** True when an earlier compilation of the same sources was reused. */
  cached: boolean;
  ms: number;
}

/** Compiled builds kept besides the current one, for other instances still running them. */
const KEEP_BUILDS = 4;

/**
 * Bumped when the compiled output, or the typings written with it
 * (typings.ts), change for the same sources.
 */
const OUTPUT_VERSION = '1';

/** `app/router.ts:3:14: Expected ";" but found "}"` */
function describe(message: Message): string {
  const where = message.location;
  return where === null ? message.text : `${where.file}:${where.line}:${where.column + 1}: ${message.text}`;
}

/** A digest of every source file's path and content: same sources, same build. */
function digest(baseDir: string, sources: string[]): string {
  const hash = createHash('sha256').update(OUTPUT_VERSION);
  for (const source of sources) hash.update(`\0${source}\0`).update(readFileSync(join(baseDir, source)));
  return hash.digest('hex').slice(0, 16);
}

/**
 * A build outside the app folder (an app folder this user cannot write,
 * `buildDir` elsewhere) cannot find the app's packages by walking up from
 * its files, as one inside it does: it gets a link to the node_modules the
 * app's own files would find first. Packages hoisted further up than that
 * one are not seen from there.
 */
function linkPackages(baseDir: string, build: string): void {
  if (isInside(baseDir, build)) return;
  const link = join(build, 'node_modules');
  if (lstatSync(link, { throwIfNoEntry: false }) !== undefined) return;
  for (let dir = baseDir; ; dir = dirname(dir)) {
    const found = join(dir, 'node_modules');
    if (existsSync(found)) {
      symlinkSync(found, link, 'dir');
      return;
    }
    if (dirname(dir) === dir) return;
  }
}

/** Removes all but the newest builds, never `keep`. */
function prune(buildsDir: string, keep: string): void {
  const builds = readdirSync(buildsDir)
    .filter((name) => name !== keep)
    .map((name) => ({ name, mtime: statSync(join(buildsDir, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const old of builds.slice(KEEP_BUILDS)) rmSync(join(buildsDir, old.name), { recursive: true, force: true });
}

/**
 * Compiles the app's TypeScript to plain ESM, file by file so the folder
 * conventions survive. It runs in the master, before any process is forked:
 * the agent and every worker import plain JavaScript, so no process pays for
 * a TypeScript loader or compiles a file again.
 *
 * Builds live in `<cacheDir>/<digest of the sources>`: unchanged sources
 * reuse the last build without loading esbuild at all, and instances of
 * the same app started side by side never overwrite each other's files
 * (a build is written to a private folder and renamed into place).
 *
 * Types are not checked here (that is `tsc`'s job); syntax errors stop
 * start-up with the file and line.
 */
export async function compileApp(baseDir: string, cacheDir: string): Promise<CompileResult>;
/** With `readOnly`, only an existing build is looked up: undefined when there is none of these sources. */
export async function compileApp(baseDir: string, cacheDir: string, options: { readOnly: boolean }): Promise<CompileResult | undefined>;
export async function compileApp(baseDir: string, cacheDir: string, options?: { readOnly: boolean }): Promise<CompileResult | undefined> {
  const started = monotonicMs();
  const sources = listSources(baseDir);
  const id = digest(baseDir, sources);
  const dir = join(cacheDir, id);
  const done = (cached: boolean): CompileResult => ({ dir, files: sources.length, cached, ms: monotonicMs() - started });
  if (existsSync(join(dir, 'package.json'))) {
    // A build made before its link was: given one, where its folder can be written.
    if (options?.readOnly !== true) {
      try {
        linkPackages(baseDir, dir);
      } catch {
        // Not this user's to change: it runs as it is.
      }
    }
    return done(true);
  }
  if (options?.readOnly === true) return undefined;

  mkdirSync(cacheDir, { recursive: true });
  const scratch = join(cacheDir, `.tmp-${process.pid}-${Date.now()}`);
  mkdirSync(scratch, { recursive: true });
  try {
    if (sources.length > 0) {
      // Loaded only when the sources changed. require: esbuild is CommonJS, and the CLI bundle has no import().
      const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
      try {
        await esbuild.build({
          absWorkingDir: baseDir,
          entryPoints: sources,
          outbase: baseDir,
          outdir: scratch,
          bundle: false,
          format: 'esm',
          platform: 'node',
          target: 'node20',
          sourcemap: 'inline',
          logLevel: 'silent',
        });
      } catch (error) {
        const errors = (error as { errors?: Message[] }).errors ?? [];
        const first = errors[0];
        const text = first === undefined ? String(error) : describe(first);
        const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
        throw broodError(ERR.COMPILE_FAILED, `cannot compile ${text}${more}`, error);
      } finally {
        // esbuild keeps a service process for later builds; the master needs no more.
        await esbuild.stop();
      }
    }
    linkPackages(baseDir, scratch);
    // Written last: its presence marks a complete build. The compiled files are ESM whatever the app's package.json says.
    writeFileSync(join(scratch, 'package.json'), '{ "type": "module" }\n');
    try {
      renameSync(scratch, dir);
    } catch (error) {
      // Another master finished the same build first: use theirs.
      if (!existsSync(join(dir, 'package.json'))) throw error;
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  prune(cacheDir, id);
  return done(false);
}
