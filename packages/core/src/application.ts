import type { Messenger, RunResult } from '@brood/messenger';
import type { Registry } from 'prom-client';
import { Base } from 'sdk-base';
import type { Logger } from './logger.js';
import { processRegistry } from './metrics/process-metrics.js';
import type { ProcessOptions } from './options.js';

/** What the health probes answered on the app port read: set by the master's messages. */
export interface ProcessHealth {
  /** The app serves: after `app:ready`, until `app:stopping`. */
  ready: boolean;
  /** The instance is live, as the master's last heartbeat said. */
  live: boolean;
}

/** What every application object is built from. */
export interface ApplicationInit {
  options: ProcessOptions;
  logger: Logger;
  // biome-ignore lint/suspicious/noExplicitAny: typed by the brood package's Actions
  messenger: Messenger<any>;
  config: Record<string, unknown>;
}

/**
 * What the agent application and the worker application share: config,
 * logger, messenger, and get-ready's `ready()` through sdk-base.
 *
 * Events: `app-ready` once every worker serves, `peers-changed` when a
 * worker is reforked or the agent restarts.
 */
export abstract class BaseApplication extends Base {
  abstract readonly role: 'agent' | 'worker';
  /** The app folder. */
  readonly baseDir: string;
  /** The app environment (`prod`, `local`, `test`, …). */
  readonly env: string;
  readonly logger: Logger;
  // biome-ignore lint/suspicious/noExplicitAny: typed by the brood package's Actions
  readonly messenger: Messenger<any>;
  config: Record<string, unknown>;
  /** What the master told this process: port, timeouts, folders. */
  readonly processOptions: ProcessOptions;
  /** @internal The readiness and liveness this process reports to probes. */
  readonly health: ProcessHealth = { ready: false, live: true };

  constructor(init: ApplicationInit) {
    super();
    this.processOptions = init.options;
    this.baseDir = init.options.baseDir;
    this.env = init.options.env;
    this.logger = init.logger;
    this.messenger = init.messenger;
    this.config = init.config;
    // sdk-base prints unhandled 'error' events with console; ours go to the logger.
    this.on('error', (error: unknown) => this.logger.error({ err: error }, 'application error'));
  }

  /**
   * This process's prom-client registry. Metrics registered here
   * (`new Counter({ …, registers: [app.metrics] })`, with the classes of
   * `brood/metrics`) are labelled with the role and slot and aggregated by
   * the master's metrics endpoint, when `metrics` is on (docs/metrics.md).
   */
  get metrics(): Registry {
    return processRegistry();
  }

  /** The pid of the agent and of every ready worker. */
  get peers() {
    return this.messenger.peers;
  }

  /**
   * Runs a scheduled task now, wherever its type says (the agent, one
   * worker, every worker), as `brood run-task` does, and resolves with its
   * outcome once the run is over; an unknown name rejects with
   * `ERR_BROOD_TASK_UNKNOWN`. The task's own `timeout` bounds the run.
   *
   * `args` is the task function's second parameter, `task(ctx, args)`: a
   * JSON value, as it crosses to the agent (and to the workers) by IPC.
   */
  runTask(name: string, args?: unknown): Promise<RunResult> {
    return this.messenger.call('agent', 'task:run', args === undefined ? { name } : { name, args }, { timeout: null });
  }
}
