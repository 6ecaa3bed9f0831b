import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { ClusterOptions } from '@brood/cluster';
import type { ListenTarget, LogRotate, UnhandledRejectionMode } from '@brood/core';
import { broodError, ERR, messageOf } from '@brood/errors';
import { DEFAULT_MAX_PENDING_BYTES, type SchedulingPolicy } from '@brood/messenger';
import { checkTitle, DEFAULT_TITLE } from './control/paths.js';
import { type FolderOptions, type Folders, resolveFolders } from './folders.js';
import { type ListenOptions, resolveListen } from './listen-options.js';
import { type OperationsOptions, type OperationsSettings, parseBytes, resolveOperations } from './ops/ops-options.js';

/** How connections are shared between workers (see docs/cluster.md). */
export type { SchedulingPolicy };

/** What `brood start` and `startMaster()` accept. Unset fields come from package.json `brood`, the environment, then defaults. */
export interface MasterOptions extends OperationsOptions, FolderOptions, ListenOptions {
  /** The app folder. Default: the current directory. */
  baseDir?: string;
  /** Default `PORT` from the environment, else 7001; 0 picks a free port. */
  port?: number;
  /** Default `HOST` from the environment, else all interfaces. */
  host?: string;
  /** Default `os.availableParallelism()`. */
  workers?: number;
  /** Booted workers kept out of rotation, each ready to take the place of a worker that dies. Default 0. */
  spareWorkers?: number;
  /** The app environment. Default: `BROOD_ENV`, else derived from `NODE_ENV`, else `prod`. */
  env?: string;
  /** Default `BROOD_SCHED_POLICY`, else `rr` (`none` on Windows), as Node's cluster. */
  schedulingPolicy?: SchedulingPolicy;
  /** ms the agent may take to boot. Default 30000. */
  agentStartTimeout?: number;
  /** ms a worker may take to boot. Default 30000. */
  workerStartTimeout?: number;
  /** ms a graceful stop may take before what is left is killed. Default 10000. */
  shutdownTimeout?: number;
  /** Default `messenger.request` timeout in ms. Default 5000. */
  requestTimeout?: number;
  /** ms a process must run after it was ready for a crash to be replaced at once rather than count as a crash loop. Default 1000. */
  minUptime?: number;
  /** Crash-loop exits in a row of one worker slot (or of the agent) that are restarted before the master gives up. Default 10. */
  maxRestarts?: number;
  /** ms before the first restart of a crash loop; doubles with each exit in a row. Default 100. */
  restartDelay?: number;
  /** ms the wait of a crash loop grows to at most. Default 5000. */
  maxRestartDelay?: number;
  /** Human-readable logs. Default false. */
  pretty?: boolean;
  /** pino level. Default `info`. */
  logLevel?: string;
  /** Names this instance, so several instances of an app run side by side. Default `default`. */
  title?: string;
  /** How the log files rotate, and the output files of a daemon: `{ size: '10m', frequency: 'daily', limit: 7 }`. Default `{ size: '10m', limit: 10 }`. */
  logRotate?: LogRotate;
  /** Set by `brood start --daemon`: the files the master's stdout and stderr append to; they rotate as `logRotate` says. */
  daemonOutput?: DaemonOutput;
  /** Stack traces in the app's TypeScript lines (costs throughput). Default: on in `brood dev`, off otherwise. */
  sourceMaps?: boolean;
  /** Open the control socket that `brood stop`, `reload`, `status` and `run-task` use. Default true. */
  control?: boolean;
  /** What a promise rejection nobody handled does in the agent or a worker: `exit` (as Node) or `log` (as Egg). Default `exit`. */
  unhandledRejection?: UnhandledRejectionMode;
  /**
   * Cluster mode: instances of the app on several hosts coordinate through
   * Redis (docs/cluster-mode.md). A Redis URL, or `{ url, name, prefix,
   * required, leaseTtl, instanceTtl, tls }`; `BROOD_REDIS_URL` wins over the
   * URL; `false` keeps it off. Off by default.
   */
  cluster?: ClusterOptions | string | false;
  /**
   * What may wait for one process, in bytes: in the master for each child
   * (and for the workers before app-ready, the agent while it restarts), and
   * in each child for the master. A number, or `'64mb'`, `'512kb'`, `'1gb'`.
   * Past it requests are refused with ERR_BROOD_TARGET_BUSY and other
   * messages dropped. Default 64 MB.
   */
  maxPendingBytes?: number | string;
}

/** The files a daemon's stdout and stderr are appended to. */
export interface DaemonOutput {
  stdout: string;
  stderr: string;
}

/** Every option settled; the operator's settings (probes, metrics, guards) under `ops`. */
export type ResolvedOptions = Required<
  Omit<MasterOptions, 'host' | 'logDir' | 'cluster' | 'daemonOutput' | 'maxPendingBytes' | keyof OperationsOptions | keyof ListenOptions>
> &
  Pick<MasterOptions, 'host' | 'logDir' | 'cluster' | 'daemonOutput'> & {
    maxPendingBytes: number;
    ops: OperationsSettings;
    /** TLS, HTTP/2, a Unix socket: how the workers listen besides port and host. */
    listen: ListenTarget;
    /** Set when folders of a read-only app folder moved to this user's private folder (docs/deploy.md). */
    privateDir?: { dir: string; moved: string[] };
  };

/** How log files rotate when `logRotate` is not set: bounded, as pm2-logrotate's default. */
const DEFAULT_LOG_ROTATE: LogRotate = { size: '10m', limit: 10 };

/**
 * Maps `NODE_ENV` to an app environment when `BROOD_ENV` is not set. A
 * value it does not know (`unittest`, `staging`) means the command's
 * default, and `warn` is told so: a NODE_ENV meant for another tool would
 * otherwise make a test run as production without a word.
 */
export function envFromNodeEnv(nodeEnv: string | undefined, fallback: string, warn?: (message: string) => void): string {
  switch (nodeEnv) {
    case 'production':
      return 'prod';
    case 'development':
      return 'local';
    case 'test':
      return 'test';
    default:
      if (nodeEnv) {
        warn?.(
          `NODE_ENV=${nodeEnv} is not production, development or test: the app runs as env ${fallback}; set BROOD_ENV or --env to choose`,
        );
      }
      return fallback;
  }
}

/** The app's package.json `brood` field; `{}` without one. */
export function readPackageOptions(baseDir: string): MasterOptions {
  const file = join(baseDir, 'package.json');
  if (!existsSync(file)) return {};
  try {
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { brood?: MasterOptions };
    return pkg.brood ?? {};
  } catch (error) {
    throw broodError(ERR.BAD_OPTION, `${file} is not valid JSON: ${messageOf(error)}`, error);
  }
}

function positiveInt(name: string, value: unknown, allowZero = false): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw broodError(ERR.BAD_OPTION, `${name} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${String(value)}`);
  }
  return value;
}

/** `PORT` from the environment as a number; undefined when unset or empty. */
function envPort(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw broodError(ERR.BAD_OPTION, `PORT must be a port number from 0 to 65535, got ${value}`);
  return port;
}

/**
 * Settles the master's options: explicit options first, then the
 * environment (`PORT`, `HOST`, `BROOD_SCHED_POLICY`, `BROOD_ENV`,
 * `NODE_ENV`, the folders' `BROOD_*_DIR`), then the app's package.json
 * `brood` field, then defaults. `PORT` wins over package.json as platforms
 * that set it (Heroku, Cloud Run, Render) expect. The master reads no app
 * code to do so: config files run in the agent and the workers only.
 * `warn` hears of a setting that is used but probably not meant (an
 * unknown NODE_ENV).
 */
export function resolveOptions(
  input: MasterOptions,
  env: NodeJS.ProcessEnv = process.env,
  defaultEnv = 'prod',
  warn?: (message: string) => void,
): ResolvedOptions {
  const baseDir = resolve(input.baseDir ?? process.cwd());
  const fromPackage = readPackageOptions(baseDir);
  const pick = <K extends keyof MasterOptions>(key: K): MasterOptions[K] => input[key] ?? fromPackage[key];
  const policy: string =
    input.schedulingPolicy || env.BROOD_SCHED_POLICY || fromPackage.schedulingPolicy || (process.platform === 'win32' ? 'none' : 'rr');
  if (policy !== 'rr' && policy !== 'none') {
    throw broodError(ERR.BAD_OPTION, `schedulingPolicy (or BROOD_SCHED_POLICY) must be rr or none, got ${policy}`);
  }
  const unhandledRejection = pick('unhandledRejection') ?? 'exit';
  if (unhandledRejection !== 'exit' && unhandledRejection !== 'log') {
    throw broodError(ERR.BAD_OPTION, `unhandledRejection must be exit or log, got ${String(unhandledRejection)}`);
  }
  const port = positiveInt('port', input.port ?? envPort(env.PORT) ?? fromPackage.port ?? 7001, true);
  if (port > 65535) throw broodError(ERR.BAD_OPTION, `port must be at most 65535, got ${port}`);
  const folders = resolveFolders(baseDir, input, env, fromPackage);
  const resolved: ResolvedOptions = {
    baseDir,
    runDir: folders.runDir,
    buildDir: folders.buildDir,
    port,
    workers: positiveInt('workers', pick('workers') ?? availableParallelism()),
    spareWorkers: positiveInt('spareWorkers', pick('spareWorkers') ?? 0, true),
    // An empty variable counts as unset, as shells make it easy to export one.
    env: input.env || env.BROOD_ENV || fromPackage.env || envFromNodeEnv(env.NODE_ENV, defaultEnv, warn),
    schedulingPolicy: policy,
    agentStartTimeout: positiveInt('agentStartTimeout', pick('agentStartTimeout') ?? 30_000),
    workerStartTimeout: positiveInt('workerStartTimeout', pick('workerStartTimeout') ?? 30_000),
    shutdownTimeout: positiveInt('shutdownTimeout', pick('shutdownTimeout') ?? 10_000),
    requestTimeout: positiveInt('requestTimeout', pick('requestTimeout') ?? 5000),
    minUptime: positiveInt('minUptime', pick('minUptime') ?? 1000, true),
    maxRestarts: positiveInt('maxRestarts', pick('maxRestarts') ?? 10, true),
    restartDelay: positiveInt('restartDelay', pick('restartDelay') ?? 100, true),
    maxRestartDelay: positiveInt('maxRestartDelay', pick('maxRestartDelay') ?? 5000, true),
    pretty: pick('pretty') ?? false,
    title: pick('title') ?? DEFAULT_TITLE,
    control: pick('control') ?? true,
    sourceMaps: pick('sourceMaps') ?? false,
    maxPendingBytes: parseBytes('maxPendingBytes', pick('maxPendingBytes') ?? DEFAULT_MAX_PENDING_BYTES),
    logLevel: pick('logLevel') ?? 'info',
    logRotate: pick('logRotate') ?? DEFAULT_LOG_ROTATE,
    listen: resolveListen(baseDir, pick),
    unhandledRejection,
    ops: resolveOperations(pick),
  };
  const host = input.host || env.HOST || fromPackage.host;
  if (host) resolved.host = host;
  if (folders.logDir !== undefined) resolved.logDir = folders.logDir;
  if (folders.privateDir !== undefined) resolved.privateDir = { dir: folders.privateDir, moved: folders.moved };
  if (input.daemonOutput !== undefined) resolved.daemonOutput = input.daemonOutput;
  // Validated by @brood/cluster when the master starts, loaded only when cluster mode is asked for.
  const cluster = pick('cluster');
  if (cluster !== undefined) resolved.cluster = cluster;
  checkTitle(resolved.title);
  return resolved;
}

/**
 * The folders of the app in `baseDir` as a master started with `input`
 * would settle them: how the CLI finds a running instance's control socket
 * and a daemon's log files.
 */
export function appFolders(baseDir: string, input: FolderOptions = {}, env: NodeJS.ProcessEnv = process.env): Folders {
  return resolveFolders(resolve(baseDir), input, env, readPackageOptions(resolve(baseDir)));
}
