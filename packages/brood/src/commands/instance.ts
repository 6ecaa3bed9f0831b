import { unlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_TITLE, isListening, isValidTitle, readPidFile, runPaths } from '@brood/master';
import { BroodError } from '@brood/messenger';

/** A running instance found through its control socket, or the reason there is none. */
export type Instance =
  | { running: true; socket: string; pid: number | undefined; title: string; baseDir: string }
  | { running: false; title: string; baseDir: string; stale: boolean };

/**
 * Finds the instance of the app in `dir` titled `title` by its control
 * socket — never by process names, so another app's processes are never
 * touched. A socket nobody answers on (its master was killed) is stale:
 * it is removed, with its pid file.
 */
export async function findInstance(dir: string | undefined, title = DEFAULT_TITLE): Promise<Instance> {
  // A title names files in run/: anything that could reach outside it is refused before any file is touched.
  if (!isValidTitle(title)) {
    throw new BroodError(
      'ERR_BROOD_BAD_OPTION',
      `title must be 1 to 64 letters, digits, dots, dashes or underscores, got ${JSON.stringify(title)}`,
    );
  }
  const baseDir = resolve(dir ?? process.cwd());
  const paths = runPaths(baseDir, title);
  const pidFile = readPidFile(paths.pidFile);
  const socket = pidFile?.socket ?? paths.socket;
  if (await isListening(socket)) return { running: true, socket, pid: pidFile?.pid, title, baseDir };
  let stale = false;
  for (const file of [socket, paths.pidFile]) {
    try {
      unlinkSync(file);
      stale = true;
    } catch {
      // not there
    }
  }
  return { running: false, title, baseDir, stale };
}

/** `brood 'default' in /srv/app` */
export function describe(instance: { title: string; baseDir: string }): string {
  return `brood '${instance.title}' in ${instance.baseDir}`;
}
