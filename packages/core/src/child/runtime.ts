import { type Envelope, Messenger } from '@brood/messenger';
import type { BaseApplication } from '../application.js';
import { Deferred } from '../deferred.js';
import { Lifecycle } from '../lifecycle.js';
import type { Logger } from '../logger.js';
import { enableProcessMetrics, MessengerMetrics, processRegistry } from '../metrics/process-metrics.js';
import { type ProcessOptions, WORKER_SLOT_ENV } from '../options.js';
import { settlesWithin } from '../timeout.js';
import type { MasterChannel } from './channel.js';
import { dispatchControl } from './control-table.js';
import { ExitProtocol } from './exit.js';
import { type ChildHost, processHost } from './host.js';
import type { ChildRole } from './role.js';

/**
 * The state of the agent or a worker process, in one place: its options,
 * logger, channel to the master, messenger, lifecycle and application.
 * Boot (boot.ts), the master's control messages (control-table.ts) and the
 * process's own events (process-events.ts) act on it; it closes itself.
 */
export class ChildRuntime<App extends BaseApplication = BaseApplication, Served = unknown> {
  readonly spec: ChildRole<App, Served>;
  readonly options: ProcessOptions;
  readonly logger: Logger;
  readonly channel: MasterChannel;
  readonly messenger: Messenger<unknown>;
  readonly exits: ExitProtocol;
  readonly lifecycle: Lifecycle;
  /** The application, once config is loaded. */
  app: App | undefined;
  /**
   * Settles as the `serverDidReady` hook does, once the master's `app:ready`
   * has come (the control table settles it): brood/testing waits for it; a
   * process only logs its failure.
   */
  readonly serving = new Deferred<void>();
  /** Called by the master's `boot:continue`: a waiting worker goes on with its boot. */
  proceed: () => void = () => {};
  #closing: Promise<void> | undefined;

  /** `host`: the process itself, unless the runtime runs inside another program (brood/testing). */
  constructor(spec: ChildRole<App, Served>, options: ProcessOptions, logger: Logger, host: ChildHost = processHost()) {
    this.spec = spec;
    this.options = options;
    this.logger = logger;
    this.channel = host.channel;
    const metrics = options.metrics === true ? new MessengerMetrics(processRegistry()) : undefined;
    this.messenger = new Messenger({
      role: spec.role,
      pid: host.pid,
      transport: metrics?.transport(this.channel) ?? this.channel,
      log: logger,
      requestTimeout: options.requestTimeout,
      ...(options.maxPendingBytes === undefined ? {} : { maxPendingBytes: options.maxPendingBytes }),
      onControl: (message: Envelope) => dispatchControl(this, message),
      ...(metrics === undefined ? {} : { observeRequest: metrics.observe }),
    });
    if (metrics !== undefined) enableProcessMetrics(spec.role, Number(process.env[WORKER_SLOT_ENV] ?? 0), this.messenger);
    this.exits = new ExitProtocol(host, this.messenger);
    this.lifecycle = new Lifecycle(`${spec.bootFile}.ts`);
  }

  /** True once a close has begun. */
  get closing(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Closes once, however often asked: stops serving and waits for the work
   * in flight, runs `beforeClose`, closes the application — all within
   * `budget` ms — then exits with `code` through the exit protocol.
   */
  close(budget: number, reason: string, code = 0): Promise<void> {
    this.#closing ??= this.#close(budget, reason, code);
    return this.#closing;
  }

  async #close(budget: number, reason: string, code: number): Promise<void> {
    const { spec, logger, lifecycle } = this;
    logger.info({ reason }, `${spec.role} closing: ${reason}`);
    const deadline = Date.now() + budget;
    const app = this.app;
    const work = (async () => {
      if (app === undefined) return;
      await spec.stopServing?.(app, Math.max(0, deadline - Date.now()));
      await lifecycle.run('beforeClose');
      await app.close();
    })();
    work.catch((error: unknown) => logger.error({ err: error }, `${spec.role} close failed`));
    if (!(await settlesWithin(work, Math.max(0, deadline - Date.now())))) {
      const hook = lifecycle.current === undefined ? '' : ` (${lifecycle.file} ${lifecycle.current} has not resolved)`;
      logger.warn({ budget }, `${spec.role} close took longer than ${budget} ms${hook}; exiting anyway`);
    }
    this.messenger.close();
    this.exits.exit(code);
  }
}
