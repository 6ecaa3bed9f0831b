import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { codeOf, ERR, messageOf } from '@brood/errors';
import {
  appFolders,
  checkPort,
  type DaemonOutput,
  handleSignals,
  type Master,
  type MasterOptions,
  makePrivateDir,
  outputDir,
  privateAppDir,
  type ResolvedOptions,
  resolveOptions,
  STOP_SIGNALS,
  type StartedInfo,
} from '@brood/master';
import { createMaster } from '../create-master.js';
import { nextChange, watchApp } from '../dev-watch.js';
import { appFolder, refuseRunning } from './instance.js';
import { explain, out } from './output.js';

/** Flags shared by `start` and `dev`. */
export interface StartFlags {
  port?: number;
  host?: string;
  workers?: number;
  env?: string;
  title?: string;
  sched?: 'rr' | 'none';
  pretty?: boolean;
  daemon?: boolean;
  timeout?: number;
  logDir?: string;
  tlsKey?: string;
  tlsCert?: string;
  http2?: boolean;
  socket?: string;
  socketMode?: string;
}

/** What a daemonised master tells the `brood start --daemon` that spawned it. */
type DaemonNotice = { type: 'daemon:started'; info: StartedInfo } | { type: 'daemon:failed'; error: { code?: string; message: string } };

/** Set in the environment of a master started by `--daemon`: report the outcome over IPC. */
const NOTIFY_ENV = 'BROOD_DAEMON_NOTIFY';
/** Set in the environment of a master started by `--daemon`: the files its stdout and stderr append to (JSON). */
const OUTPUT_ENV = 'BROOD_DAEMON_OUTPUT';

function notify(notice: DaemonNotice): Promise<void> {
  if (process.env[NOTIFY_ENV] !== '1' || process.send === undefined) return Promise.resolve();
  return new Promise((done) => {
    process.send?.(notice, undefined, {}, () => {
      // The channel was only for this: the master lives on without its launcher.
      process.disconnect?.();
      done();
    });
  });
}

function options(dir: string | undefined, flags: StartFlags, dev: boolean): MasterOptions {
  const result: MasterOptions = { baseDir: dir ?? process.cwd() };
  if (dev) {
    result.workers = 1;
    result.pretty = true;
    // While developing, broken code is expected: keep retrying rather than give up.
    result.maxRestarts = 1_000_000;
    result.sourceMaps = true;
  }
  if (flags.port !== undefined) result.port = flags.port;
  if (flags.host !== undefined) result.host = flags.host;
  if (flags.workers !== undefined) result.workers = flags.workers;
  if (flags.env !== undefined) result.env = flags.env;
  if (flags.title !== undefined) result.title = flags.title;
  if (flags.sched !== undefined) result.schedulingPolicy = flags.sched;
  if (flags.pretty !== undefined) result.pretty = flags.pretty;
  if (flags.logDir !== undefined) result.logDir = flags.logDir;
  if (flags.tlsKey !== undefined || flags.tlsCert !== undefined) result.tls = { key: flags.tlsKey ?? '', cert: flags.tlsCert ?? '' };
  if (flags.http2 !== undefined) result.http2 = flags.http2;
  if (flags.socket !== undefined) result.socket = flags.socket;
  if (flags.socketMode !== undefined) result.socketMode = flags.socketMode;
  const output = process.env[OUTPUT_ENV];
  if (output !== undefined && process.env[NOTIFY_ENV] === '1') result.daemonOutput = JSON.parse(output) as DaemonOutput;
  return result;
}

/** How often `brood dev` tries a busy port again. */
const PORT_POLL_MS = 500;

/** An option used but probably not meant (an unknown NODE_ENV): one line on stderr. */
const warnOnStderr = (message: string): void => out(`brood: warning: ${message}`, true);

/**
 * What `brood start --daemon` checks before it spawns the master: the
 * folder exists, and no instance of this app and title runs (the master
 * would refuse it too, but only after its output had gone to that
 * instance's log files).
 */
async function preflight(dir: string | undefined, flags: StartFlags): Promise<ResolvedOptions> {
  const baseDir = appFolder(dir);
  const settings = resolveOptions({ ...options(dir, flags, false), baseDir }, process.env, 'prod', warnOnStderr);
  await refuseRunning(settings.baseDir, settings.title);
  return settings;
}

/**
 * Runs the master in this process until it stops; exits with its code.
 * Start-up failures print one line naming the cause and exit 1.
 */
export async function runForeground(dir: string | undefined, flags: StartFlags, defaultEnv: string, dev = false): Promise<never> {
  for (let attempt = 0; ; attempt += 1) {
    let master: Master;
    try {
      // The master checks the rest itself: the app, a twin of it already running (before the port), the port.
      const baseDir = appFolder(dir);
      master = await createMaster({ ...options(dir, flags, dev), baseDir }, defaultEnv, attempt === 0 ? warnOnStderr : () => {});
    } catch (error) {
      await notify({ type: 'daemon:failed', error: { message: messageOf(error), code: codeOf(error) ?? '' } });
      out(`brood: ${explain(error)}`, true);
      process.exit(1);
    }
    const unhandle = handleSignals(master);
    if (process.pid === 1) warnOfPid1(master);
    try {
      const info = await master.start();
      await notify({ type: 'daemon:started', info });
    } catch (error) {
      await notify({ type: 'daemon:failed', error: { message: messageOf(error), code: codeOf(error) ?? '' } });
      out(`brood: failed to start: ${explain(error)}`, true);
      const code = codeOf(error);
      // A folder that never held an app is a mistake no edit there is waited for (one that loses its
      // app files later, a rename under way, is waited for as any other failed start).
      if (!dev || code === ERR.ALREADY_RUNNING || (code === ERR.APP_NOT_FOUND && attempt === 0)) process.exit(1);
      unhandle();
      // No change of a file can free a port another program holds: wait for the port itself.
      if (code === ERR.PORT_IN_USE) await waitForPort(master.settings.port, master.settings.host);
      // While developing, a broken app is expected: wait for the fix and start again.
      else await waitForFix(master.settings.baseDir);
      continue;
    }
    if (dev) watchApp(master);
    process.exit(await master.done.promise);
  }
}

/**
 * The master as PID 1 (a container started without an init): it handles
 * SIGTERM, SIGINT and SIGQUIT itself, and Node reaps the agent and the
 * workers; but Node cannot wait for processes it did not start, so an
 * orphan of the app's own child processes, adopted by PID 1, stays a
 * zombie. One line says so, with the fix (docs/deploy.md).
 */
function warnOfPid1(master: Master): void {
  master.logger.warn(
    { event: 'pid-1' },
    'brood runs as PID 1: stop signals are handled, but processes the app starts and orphans are not reaped; run the container with an init (node_modules/.bin/brood-init, docker run --init, tini, or shareProcessNamespace in Kubernetes)',
  );
}

/** `brood dev` after a failed start: resolves at the next change of a source file; a stop signal ends it. */
async function waitForFix(baseDir: string): Promise<void> {
  const quit = (): void => process.exit(1);
  for (const signal of STOP_SIGNALS) process.once(signal, quit);
  // Said only once the watchers exist: a change saved after the line is never missed.
  const files = await nextChange(baseDir, () => out(`brood: waiting for a change in ${baseDir} to start again (Ctrl-C to quit)`, true));
  for (const signal of STOP_SIGNALS) process.off(signal, quit);
  out(`brood: ${files.join(', ')} changed: starting again`, true);
}

/** `brood dev` on a busy port: polls until the port is free; a stop signal ends it. */
async function waitForPort(port: number, host: string | undefined): Promise<void> {
  out(`brood: waiting for port ${port} to be free, checking every ${PORT_POLL_MS} ms (Ctrl-C to quit)`, true);
  const quit = (): void => process.exit(1);
  for (const signal of STOP_SIGNALS) process.once(signal, quit);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, PORT_POLL_MS));
    try {
      await checkPort(port, host);
      break;
    } catch {
      // still taken
    }
  }
  for (const signal of STOP_SIGNALS) process.off(signal, quit);
  out(`brood: port ${port} is free: starting again`, true);
}

/**
 * `brood start --daemon`: starts the master in the background with its
 * output in log files, and returns when — and only when — the ready
 * handshake says the app serves (exit 0) or start-up failed (exit 1).
 */
export async function runDaemon(dir: string | undefined, flags: StartFlags, argv: string[]): Promise<number> {
  const { baseDir, title } = await preflight(dir, flags);
  const folders = appFolders(baseDir, flags.logDir === undefined ? {} : { logDir: flags.logDir });
  const logDir = outputDir(baseDir, folders);
  if (logDir.startsWith(privateAppDir(baseDir))) makePrivateDir(privateAppDir(baseDir));
  mkdirSync(logDir, { recursive: true });
  const output: DaemonOutput = { stdout: join(logDir, `${title}.stdout.log`), stderr: join(logDir, `${title}.stderr.log`) };
  const { stdout: stdoutLog, stderr: stderrLog } = output;
  const args = argv.filter((arg) => arg !== '--daemon' && arg !== '-d');
  const child = spawn(process.execPath, [...process.execArgv, ...args], {
    cwd: process.cwd(),
    detached: true,
    stdio: ['ignore', openSync(stdoutLog, 'a'), openSync(stderrLog, 'a'), 'ipc'],
    env: { ...process.env, [NOTIFY_ENV]: '1', [OUTPUT_ENV]: JSON.stringify(output) },
  });
  const timeoutMs = flags.timeout ?? 120_000;
  const notice = await new Promise<DaemonNotice | { type: 'exit'; code: number | null } | { type: 'timeout' }>((settle) => {
    const timer = setTimeout(() => settle({ type: 'timeout' }), timeoutMs);
    child.once('message', (message: DaemonNotice) => {
      clearTimeout(timer);
      settle(message);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      settle({ type: 'exit', code });
    });
  });
  child.unref();
  child.disconnect?.();
  switch (notice.type) {
    case 'daemon:started': {
      const { info } = notice;
      out(`brood '${title}' started in the background: ${info.url}`);
      out(`  master ${child.pid}, agent ${info.agent}, workers ${info.workers.join(', ')} (ready in ${info.ms} ms)`);
      out(`  logs: ${folders.logDir === undefined ? '' : `${folders.logDir}/, `}${stdoutLog}, ${stderrLog}`);
      out(
        `  follow them with: npx brood logs -f${dir === undefined ? '' : ` ${dir}`}${flags.title === undefined ? '' : ` --title ${flags.title}`}`,
      );
      // npx finds the brood of the app's node_modules (or of the checkout); a bare `brood` is seldom on PATH.
      out(`  stop with: npx brood stop${dir === undefined ? '' : ` ${dir}`}${flags.title === undefined ? '' : ` --title ${flags.title}`}`);
      return 0;
    }
    case 'daemon:failed':
      out(`brood: failed to start: ${notice.error.message}${notice.error.code ? ` (${notice.error.code})` : ''}`, true);
      out(`  see ${stderrLog} and ${stdoutLog}`, true);
      return 1;
    case 'exit':
      out(`brood: the master exited with code ${notice.code} before it was ready; see ${stderrLog}`, true);
      return 1;
    case 'timeout':
      try {
        process.kill(-(child.pid as number), 'SIGTERM');
      } catch {
        // gone
      }
      out(`brood: the app was not ready within ${timeoutMs} ms; stopped it. See ${stdoutLog}`, true);
      return 1;
  }
}
