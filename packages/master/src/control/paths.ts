import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { broodError, ERR } from '@brood/errors';
import { checkFolder, privateSocketFolder, privateSocketName } from './trust.js';

/** The title of an instance started without `--title`. */
export const DEFAULT_TITLE = 'default';

/** Unix socket paths longer than this do not fit in sockaddr_un on every platform. */
export const MAX_SOCKET_PATH = 100;

/** Where an instance keeps its control socket and its pid file. */
export interface RunPaths {
  dir: string;
  socket: string;
  pidFile: string;
}

/**
 * Refuses a title that is not usable in file names — letters, digits, dot,
 * dash and underscore, and not `.` or `..` — before any file is touched: a
 * title names files in run/, and must not reach outside it.
 */
export function checkTitle(title: string): void {
  if (/^[A-Za-z0-9._-]{1,64}$/.test(title) && !/^\.+$/.test(title)) return;
  throw broodError(ERR.BAD_OPTION, `title must be 1 to 64 letters, digits, dots, dashes or underscores, got ${JSON.stringify(title)}`);
}

/**
 * An instance titled T keeps `T.sock` and `T.json` in the run folder of
 * its app (`<app>/run` unless moved, see resolveFolders). When the socket
 * path would be too long for the OS, the socket moves to a folder of this
 * user's in the temp folder (`brood-<uid>`, see {@link privateSocketDir})
 * under a name derived from the app folder and the title; the pid file
 * records where it is.
 */
export function runPaths(runDir: string, baseDir: string, title = DEFAULT_TITLE): RunPaths {
  let socket = join(runDir, `${title}.sock`);
  if (socket.length > MAX_SOCKET_PATH) socket = join(privateSocketFolder(tmpdir()), privateSocketName(baseDir, title));
  return { dir: runDir, socket, pidFile: join(runDir, `${title}.json`) };
}

/**
 * Makes the folder of a socket that lives outside the app, in the shared
 * temp folder: created 0700, and refused unless this user owns it and no
 * one else may enter it — another user cannot put a socket of theirs where
 * this master's will be.
 */
export function privateSocketDir(socket: string): void {
  const dir = dirname(socket);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  checkFolder(dir, 'the socket folder', 0o077, false);
}

/**
 * Makes `run/` (0700), or checks the one there: it must be this user's, and
 * no other user may write in it — or they could put a socket or a pid file
 * of theirs where this master's will be.
 */
export function runDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  checkFolder(dir, 'the run folder');
}
