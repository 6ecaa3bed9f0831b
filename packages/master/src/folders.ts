import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { isInside } from '@brood/core';
import { checkFolder, privateSocketFolder } from './control/trust.js';

/** The folders Brood writes that an operator may move. */
export interface FolderOptions {
  /** Control socket and pid file. Default `run` in the app folder. */
  runDir?: string;
  /** The compiled app, written by `brood build` or at start. Default `.brood/build` in the app folder. */
  buildDir?: string;
  /** Each process also writes its log to a file here. No files by default. */
  logDir?: string;
}

/** Where each folder settled. */
export interface Folders {
  runDir: string;
  buildDir: string;
  logDir?: string;
  /**
   * The private folder of this app and user in the OS temp folder, set when
   * a folder inside the app folder cannot be written and moved there.
   */
  privateDir?: string;
  /** Which folders moved to {@link Folders.privateDir}: `run`, `logs`. */
  moved: string[];
  /** The run folder as set (or `run/`), before a move: where another user's instance keeps its files. */
  setRunDir: string;
}

/** The environment variables of each folder; an empty one counts as unset. */
const ENV = { runDir: 'BROOD_RUN_DIR', buildDir: 'BROOD_BUILD_DIR', logDir: 'BROOD_LOG_DIR' } as const;

/**
 * This user's private folder for the app in `baseDir`:
 * `<tmp>/brood-<uid>/<digest of the app path>`. The master and the CLI of
 * the same user find the same one, so `brood stop` reaches a master whose
 * run files had to move there.
 */
export function privateAppDir(baseDir: string, tmp = tmpdir()): string {
  return join(privateSocketFolder(tmp), createHash('sha256').update(baseDir).digest('hex').slice(0, 16));
}

/**
 * True when this process can create files in `dir`: it exists and is
 * writable, or the nearest folder above it that exists is (mkdir -p would
 * work). A read-only mount counts as not writable, for root too.
 */
export function canWrite(dir: string): boolean {
  let probe = dir;
  while (!existsSync(probe)) {
    const parent = dirname(probe);
    if (parent === probe) return false;
    probe = parent;
  }
  try {
    accessSync(probe, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Settles the folders Brood writes for the app in `baseDir`: explicit
 * options first, then the environment (`BROOD_RUN_DIR`, `BROOD_BUILD_DIR`,
 * `BROOD_LOG_DIR`), then package.json `brood`, then defaults; relative
 * paths are relative to the app folder.
 *
 * A run or log folder inside the app folder that this user cannot write
 * (a read-only image, an app owned by root) moves to the private folder of
 * {@link privateAppDir}: the app starts without a setting. A folder set
 * outside the app folder is used as given. The build folder never moves
 * here: a build made by `brood build` is read where it is (see buildApp).
 */
export function resolveFolders(baseDir: string, input: FolderOptions, env: NodeJS.ProcessEnv, fromPackage: FolderOptions): Folders {
  const chosen = (key: keyof FolderOptions): string | undefined => input[key] || env[ENV[key]] || fromPackage[key] || undefined;
  const moved: string[] = [];
  const settle = (dir: string, name: string): string => {
    const settled = settleFolder(baseDir, dir, name);
    if (settled !== dir) moved.push(name);
    return settled;
  };
  const logDir = chosen('logDir');
  const setRunDir = resolve(baseDir, chosen('runDir') ?? 'run');
  const folders: Folders = {
    runDir: settle(setRunDir, 'run'),
    setRunDir,
    buildDir: resolve(baseDir, chosen('buildDir') ?? join('.brood', 'build')),
    moved,
  };
  if (logDir !== undefined) folders.logDir = settle(resolve(baseDir, logDir), 'logs');
  if (moved.length > 0) folders.privateDir = privateAppDir(baseDir);
  return folders;
}

/**
 * `dir`, or `<private folder>/<name>` when `dir` lies inside the app folder
 * and this user cannot write it.
 */
export function settleFolder(baseDir: string, dir: string, name: string): string {
  return !isInside(baseDir, dir) || canWrite(dir) ? dir : join(privateAppDir(baseDir), name);
}

/**
 * Where `brood start --daemon` appends the master's stdout and stderr: the
 * log folder when there is one, else `logs` in the app folder (moved to the
 * private folder when the app folder is read-only).
 */
export function outputDir(baseDir: string, folders: Folders): string {
  return folders.logDir ?? settleFolder(baseDir, join(baseDir, 'logs'), 'logs');
}

/**
 * Makes the private folder of an app (0700 inside this user's 0700
 * `brood-<uid>` folder) and checks that both are this user's alone.
 */
export function makePrivateDir(privateDir: string): void {
  mkdirSync(privateDir, { recursive: true, mode: 0o700 });
  checkFolder(dirname(privateDir), 'the private folder', 0o077, false);
  checkFolder(privateDir, 'the private folder', 0o077, false);
}
