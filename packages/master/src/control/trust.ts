/**
 * Whether the control files of an instance — `run/`, `run/<title>.sock`,
 * `run/<title>.json`, and the private socket folder in the temp folder —
 * can be trusted: made by this user, and out of reach of every other one.
 *
 * Node cannot ask a Unix socket who serves it (there is no SO_PEERCRED),
 * so trust rests on the files: a socket file owned by this user, in a
 * folder of this user's that no one else may write, can only have been
 * bound by a process of this user. The socket's master then tells its pid
 * (`hello`), which must be the one the pid file names. Other users' files
 * are refused, never followed: a planted pid file could otherwise make
 * `brood stop` remove any path it names, and a planted socket could answer
 * "stopped" for a master that runs on.
 */
import { createHash } from 'node:crypto';
import { lstatSync, type Stats, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type BroodError, broodError, ERR } from '@brood/errors';
import type { RunPaths } from './paths.js';

/** Mode bits that let other users write in a folder or to a file. */
const WRITABLE_BY_OTHERS = 0o022;

/** The user running this process; undefined where there are no Unix users (Windows), where nothing is checked. */
const uid = (): number | undefined => process.getuid?.();

function untrusted(message: string): BroodError {
  return broodError(ERR.CONTROL_UNTRUSTED, message);
}

/** `owned by uid 65534 with mode 0777`: why a file is refused, or undefined when it is this user's and closed to others. */
function problemOf(stat: Stats, openBits: number): string | undefined {
  const me = uid();
  if (me === undefined) return undefined;
  const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
  if (stat.uid !== me) return `belongs to uid ${stat.uid}, not to this user (uid ${me})`;
  if ((stat.mode & openBits) !== 0) return `has mode ${mode}: other users may change what is in it`;
  return undefined;
}

/**
 * The name of the socket of an app whose `run/<title>.sock` would be too
 * long: `<tmp>/brood-<uid>/<digest>.sock` (see runPaths).
 */
export function privateSocketName(baseDir: string, title: string): string {
  return `${createHash('sha256').update(`${baseDir}\0${title}`).digest('hex').slice(0, 16)}.sock`;
}

/** The folder of this user's private sockets in `tmp`. */
export function privateSocketFolder(tmp: string): string {
  return join(tmp, `brood-${uid() ?? 'user'}`);
}

/**
 * Refuses a folder that is not a folder of this user's, or that other users
 * may write in (`openBits` says which mode bits are too open). A symbolic
 * link is followed only when `followLinks` says so: `run/` may point to
 * another folder of the user's, the temp folder's `brood-<uid>` may not.
 */
export function checkFolder(dir: string, what: string, openBits = WRITABLE_BY_OTHERS, followLinks = true): void {
  const stat = followLinks ? statSync(dir) : lstatSync(dir);
  if (!stat.isDirectory()) throw untrusted(`${what} ${dir} is not a folder; remove it`);
  const problem = problemOf(stat, openBits);
  if (problem !== undefined) {
    throw untrusted(`${what} ${dir} ${problem}; Brood trusts no control file there: remove it, or make it yours with mode 0700`);
  }
}

/**
 * The pid file's lstat, or undefined when there is none. A pid file that is
 * not a plain file of this user's (a link, another user's file) is refused.
 */
export function checkPidFile(path: string): Stats | undefined {
  let stat: Stats;
  try {
    stat = lstatSync(path);
  } catch {
    return undefined;
  }
  const problem = stat.isFile() ? problemOf(stat, WRITABLE_BY_OTHERS) : 'is not a plain file';
  if (problem !== undefined) throw untrusted(`the pid file ${path} ${problem}; remove it`);
  return stat;
}

/**
 * The socket a pid file names, when it is one of Brood's own for this app:
 * `run/<title>.sock`, or the private socket `brood-<uid>/<digest>.sock` of
 * this app and title in a temp folder (the master's TMPDIR may not be the
 * CLI's), whose folder is this user's alone. Anything else is refused:
 * the CLI connects to it and may remove it.
 */
export function checkSocketPath(paths: RunPaths, named: unknown, baseDir: string, title: string): string {
  if (named === paths.socket) return paths.socket;
  const path = typeof named === 'string' ? named : '';
  const dir = dirname(path);
  const own = basename(path) === privateSocketName(baseDir, title) && dir === privateSocketFolder(dirname(dir));
  if (!own) {
    throw untrusted(
      `the pid file ${paths.pidFile} names ${JSON.stringify(named)} as its control socket, which is not a socket of brood '${title}' in ${baseDir}; remove the pid file`,
    );
  }
  checkFolder(dir, 'the socket folder', 0o077, false);
  return path;
}

/**
 * Refuses a socket file that is not a socket of this user's; true when it
 * exists, false when there is none.
 */
export function checkSocketFile(path: string): boolean {
  let stat: Stats;
  try {
    stat = lstatSync(path);
  } catch {
    return false;
  }
  const problem = stat.isSocket() ? problemOf(stat, 0) : 'is not a socket';
  if (problem !== undefined) throw untrusted(`the control socket ${path} ${problem}; Brood does not talk to it: remove it`);
  return true;
}

/** The master on the socket is not the one the pid file names. */
export function wrongMaster(socket: string, served: number, named: number, pidFile: string): BroodError {
  return untrusted(
    `the control socket ${socket} is served by process ${served}, but the pid file ${pidFile} names master ${named}; Brood does not act on either: check both, remove what is wrong`,
  );
}
