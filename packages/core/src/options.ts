import { broodError, ERR } from '@brood/errors';
import type { LogRotate } from './logger.js';

/** The environment variable that carries {@link ProcessOptions} from the master to its children. */
export const PROCESS_OPTIONS_ENV = 'BROOD_PROCESS_OPTIONS';

/**
 * The environment variable with the file of `@brood/core/run-bundle`, which
 * the agent's and the workers' entries load: the CLI resolves it once with
 * the entries, and each child's entry (packages/agent/src/entry.cts,
 * packages/worker/src/entry.cts, which name it as a string) requires the file
 * without resolving a package export, 4–5 ms of every child's start-up.
 */
export const RUN_BUNDLE_ENV = 'BROOD_RUN_BUNDLE';

/**
 * What the agent or a worker does with a promise rejection nobody handled:
 * `exit` closes the process as an uncaught exception does (the master
 * forks another), `log` logs it and serves on. See docs/lifecycle.md.
 */
export type UnhandledRejectionMode = 'log' | 'exit';

/** What the master tells each agent and worker it forks. */
export interface ProcessOptions {
  /** The app folder. */
  baseDir: string;
  /** Where the compiled app lives. */
  buildDir: string;
  /** The app environment: `prod`, `local`, `test`, or any name with a config file. */
  env: string;
  /** The app's port; with `sharedPort`, the one the master bound (never 0). */
  port: number;
  /** The address to listen on; all interfaces when absent. */
  host?: string;
  /**
   * True when the master holds the app's listening socket and hands it, or
   * its connections, to the worker (`listen:request`); a worker without it
   * binds `port` itself.
   */
  sharedPort?: boolean;
  /** HTTPS, HTTP/2, a Unix socket; plain HTTP on port and host when absent. */
  transport?: ListenTarget;
  /** Human-readable log lines. */
  pretty: boolean;
  logLevel: string;
  /** How long boot may take, in ms, before the process reports a timeout. */
  startTimeout: number;
  /** How long a graceful close may take, in ms. */
  shutdownTimeout: number;
  /** Default timeout of `messenger.request`, in ms. */
  requestTimeout: number;
  /** What may wait to be written to the master, in bytes (the `maxPendingBytes` option); 64 MB when absent. */
  maxPendingBytes?: number;
  /** Where each process also writes its log file; no files when absent. */
  logDir?: string;
  logRotate?: LogRotate;
  /** With `logDir`: lines go to the file alone, not to stdout too (a daemon's stdout is a file already). */
  logFileOnly?: boolean;
  /** What a rejection nobody handled does; `exit` when absent. */
  unhandledRejection?: UnhandledRejectionMode;
  /** Cluster mode (the agent only): this instance's id and the settings the master validated and connected with. */
  cluster?: ClusterProcessOptions;
  /** The probe paths a worker answers on the app port, before the app; absent when they are off or on the management port. */
  probes?: ProbePaths;
  /** Collect Prometheus metrics and answer the master's `metrics:collect`. */
  metrics?: boolean;
  /** The event-loop guard's limit in ms, when it is on: a worker's watchdog thread names the request that blocks it. */
  maxEventLoopBlock?: number;
  /** Merged over the app's config files, as one more file would be (brood/testing's `config`). */
  config?: Record<string, unknown>;
  /** `false`: a worker builds its HTTP server but does not listen; requests reach it in process (brood/testing). */
  listen?: boolean;
  /** `false`: the agent's clock does not start; tasks run only when asked (brood/testing). */
  schedule?: boolean;
}

/**
 * What the agent learns of cluster mode: the instance id the master
 * registered, and `@brood/cluster`'s `ClusterSettings` as JSON (TLS
 * material as PEM strings). Absent when cluster mode is off.
 */
export interface ClusterProcessOptions {
  instance: string;
  settings: Record<string, unknown>;
}

/** The paths of the health probes; `null` when that probe is off. */
export interface ProbePaths {
  liveness: string | null;
  readiness: string | null;
}

/**
 * Set to `1` in the environment of a master brood/testing starts, and so of
 * its agent and workers: its workers take the test's service mocks.
 */
export const TEST_CLUSTER_ENV = 'BROOD_TEST_CLUSTER';

/** How a worker listens besides port and host (see the master's ListenOptions). */
export interface ListenTarget {
  /** HTTPS with these PEM files, read as the worker starts. */
  tls?: { key: string; cert: string; ca?: string };
  /** With tls: HTTP/2, and HTTP/1.1 over ALPN. */
  http2?: boolean;
  /** A Unix socket path instead of host and port. */
  socket?: string;
  /** The socket file's mode. */
  socketMode?: number;
}

/** The environment variable with a worker's stable position, 1..N: a reforked worker takes its predecessor's. */
export const WORKER_SLOT_ENV = 'BROOD_WORKER_SLOT';

/** Reads the options the master put in this process's environment. */
export function readProcessOptions(env: NodeJS.ProcessEnv = process.env): ProcessOptions {
  const raw = env[PROCESS_OPTIONS_ENV];
  if (raw === undefined) {
    throw broodError(
      ERR.BAD_PROCESS_OPTIONS,
      `${PROCESS_OPTIONS_ENV} is not set: agent and worker processes are started by the brood master`,
    );
  }
  try {
    return JSON.parse(raw) as ProcessOptions;
  } catch (error) {
    throw broodError(ERR.BAD_PROCESS_OPTIONS, `${PROCESS_OPTIONS_ENV} is not valid JSON`, error);
  }
}
