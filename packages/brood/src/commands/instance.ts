import { existsSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { findAppMarker, noApp, requireApp } from '@brood/core';
import { broodError, ERR } from '@brood/errors';
import {
  alreadyRunning,
  appFolders,
  checkFolder,
  checkPidFile,
  checkSocketFile,
  checkSocketPath,
  checkTitle,
  DEFAULT_TITLE,
  isListening,
  readPidFile,
  runPaths,
  sendControl,
  wrongMaster,
} from '@brood/master';
import { isAlive } from '../process-alive.js';

/** A running instance found through its control socket, or the reason there is none. */
export type Instance =
  | { running: true; socket: string; pid: number | undefined; title: string; baseDir: string }
  | { running: false; title: string; baseDir: string; stale: boolean };

/** How long the CLI waits for a master to say who it is before it gives up on it. */
const HELLO_TIMEOUT_MS = 10_000;

/**
 * Finds the instance of the app in `dir` titled `title` by its control
 * socket — never by process names, so another app's processes are never
 * touched. A socket nobody answers on (its master was killed) is stale:
 * it is removed, with its pid file.
 *
 * Nothing another user could have put in `run/` is followed (see
 * @brood/master's trust checks): the folder, the pid file and the socket
 * must be this user's; the socket the pid file names must be Brood's own
 * for this app; the master on the socket must be the one the pid file
 * names. So a planted file can neither make a command report a stop that
 * did not happen nor make it remove any path but Brood's own socket and pid
 * file of this app.
 */
export async function findInstance(dir: string | undefined, title = DEFAULT_TITLE): Promise<Instance> {
  checkTitle(title);
  const baseDir = resolve(dir ?? process.cwd());
  const folders = appFolders(baseDir);
  const paths = runPaths(folders.runDir, baseDir, title);
  if (folders.moved.includes('run')) refuseOtherUsers(runPaths(folders.setRunDir, baseDir, title).pidFile, { title, baseDir });
  if (!existsSync(paths.dir)) return { running: false, title, baseDir, stale: false };
  checkFolder(paths.dir, 'the run folder');
  const pidFile = checkPidFile(paths.pidFile) === undefined ? undefined : readPidFile(paths.pidFile);
  const socket = pidFile === undefined ? paths.socket : checkSocketPath(paths, pidFile.socket, baseDir, title);
  const socketExists = checkSocketFile(socket);
  if (socketExists && (await isListening(socket))) {
    const { pid } = await sendControl(socket, 'hello', {}, HELLO_TIMEOUT_MS);
    if (pidFile !== undefined && pid !== pidFile.pid) throw wrongMaster(socket, pid, pidFile.pid, paths.pidFile);
    return { running: true, socket, pid, title, baseDir };
  }
  if (pidFile !== undefined && isBroodProcess(pidFile.pid)) {
    // Its socket was deleted under it: the master serves on, but no command can reach it.
    // Say so, and keep the pid file that names it.
    throw broodError(
      ERR.CONTROL_UNREACHABLE,
      `the master ${pidFile.pid} of ${describe({ title, baseDir })} is running, but its control socket ${socket} is gone; stop it with kill -TERM ${pidFile.pid}`,
    );
  }
  // Only what was checked above is removed: Brood's own socket of this app, and its pid file.
  let stale = false;
  for (const file of [...(socketExists ? [socket] : []), paths.pidFile]) {
    try {
      unlinkSync(file);
      stale = true;
    } catch {
      // not there
    }
  }
  return { running: false, title, baseDir, stale };
}

/**
 * This user cannot write the app folder, so its own run files live in its
 * private folder; a pid file in the app's run folder that another user
 * owns is an instance this user cannot reach. Said, rather than "not
 * running": a deploy script run as the wrong user must not believe the app
 * stopped.
 */
function refuseOtherUsers(pidFile: string, instance: { title: string; baseDir: string }): void {
  let found: { owner: number; what: string } | undefined;
  try {
    const stat = statSync(pidFile, { throwIfNoEntry: false });
    if (stat !== undefined) found = { owner: stat.uid, what: pidFile };
  } catch {
    // The run folder is closed to this user (Brood makes it 0700): its owner is who may run the app.
    const folder = statSync(dirname(pidFile), { throwIfNoEntry: false });
    if (folder !== undefined) found = { owner: folder.uid, what: `${dirname(pidFile)}, closed to this user` };
  }
  if (found === undefined || found.owner === process.getuid?.()) return;
  throw broodError(
    ERR.CONTROL_UNREACHABLE,
    `${describe(instance)} may be running as another user (uid ${found.owner} owns ${found.what}); this user cannot reach it: run brood as that user`,
  );
}

/** The app folder `dir` names, resolved; a folder that does not exist, or a file, is an error that says so. */
export function appFolder(dir: string | undefined): string {
  const baseDir = resolve(dir ?? process.cwd());
  if (!existsSync(baseDir)) throw broodError(ERR.APP_NOT_FOUND, `${baseDir} does not exist`);
  if (!statSync(baseDir).isDirectory()) throw broodError(ERR.APP_NOT_FOUND, `${baseDir} is not a folder`);
  return baseDir;
}

/** The app folder `dir` names, resolved; as {@link appFolder}, and one that holds no Brood app is an error too. */
export function appFolderWithApp(dir: string | undefined): string {
  const baseDir = appFolder(dir);
  requireApp(baseDir);
  return baseDir;
}

/**
 * {@link findInstance} for the commands that operate a running app (stop,
 * status, reload, run-task): a folder that does not exist, or that holds no
 * app and runs nothing, is an error rather than "not running".
 */
export async function findAppInstance(dir: string | undefined, title?: string): Promise<Instance> {
  const baseDir = appFolder(dir);
  const instance = await findInstance(baseDir, title);
  if (!instance.running && findAppMarker(baseDir) === undefined) throw noApp(baseDir);
  return instance;
}

/**
 * Refuses a start of an app and title that already run, before the port is
 * tried: that is the cause to report. The instance is found as every
 * command finds it, through the trusted control files.
 */
export async function refuseRunning(baseDir: string, title: string): Promise<void> {
  const instance = await findInstance(baseDir, title);
  if (instance.running) throw alreadyRunning(title, baseDir, instance.pid);
}

/**
 * True when `pid` is a live process running Brood (its command line names
 * brood), not another program that got the pid after a reboot. Where /proc
 * is missing, a live pid is taken at its word.
 */
function isBroodProcess(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('brood');
  } catch {
    return existsSync('/proc') === false;
  }
}

/** `brood 'default' in /srv/app` */
export function describe(instance: { title: string; baseDir: string }): string {
  return `brood '${instance.title}' in ${instance.baseDir}`;
}
