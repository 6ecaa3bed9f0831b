import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The title of an instance started without `--title`. */
export const DEFAULT_TITLE = 'default';

/** Unix socket paths longer than this do not fit in sockaddr_un on every platform. */
const MAX_SOCKET_PATH = 100;

/** Where an instance keeps its control socket and its pid file. */
export interface RunPaths {
  dir: string;
  socket: string;
  pidFile: string;
}

/** A title usable in file names: letters, digits, dot, dash and underscore, and not `.` or `..`. */
export function isValidTitle(title: string): boolean {
  return /^[A-Za-z0-9._-]{1,64}$/.test(title) && !/^\.+$/.test(title);
}

/**
 * The run folder of an app is `<app>/run`; an instance titled T has
 * `run/T.sock` and `run/T.json`. When the socket path would be too long
 * for the OS, the socket moves to the temp folder under a name derived from
 * the app folder and the title; the pid file records where it is.
 */
export function runPaths(baseDir: string, title = DEFAULT_TITLE): RunPaths {
  const dir = join(baseDir, 'run');
  let socket = join(dir, `${title}.sock`);
  if (socket.length > MAX_SOCKET_PATH) {
    const digest = createHash('sha256').update(`${baseDir}\0${title}`).digest('hex').slice(0, 16);
    socket = join(tmpdir(), `brood-${digest}.sock`);
  }
  return { dir, socket, pidFile: join(dir, `${title}.json`) };
}
