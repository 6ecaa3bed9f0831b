import { codeCacheReady, Deferred, type Logger } from '@brood/core';
import { broodError, codeOf, ERR, messageOf } from '@brood/errors';
import { type AppStoppingMessage, envelope, type PongMessage, type Router, type RunResult } from '@brood/messenger';
import { AGENT_CLOCK_STOP_MS, stopAgentClock } from './agent-clock.js';
import { AgentGate } from './agent-gate.js';
import { AppPort } from './app-port.js';
import { ClusterLink, type ClusterPart } from './cluster-link.js';
import { controlCommands } from './control/commands.js';
import type { ClusterStatusResult, StatusResult } from './control/protocol.js';
import { ControlServer } from './control/server.js';
import { collectStatus } from './control/status.js';
import { masterLogger, openMasterLog } from './master-logger.js';
import { masterRouter } from './master-router.js';
import type { MasterState } from './master-state.js';
import { Operations } from './ops/operations.js';
import { type MasterOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { announceAppReady } from './peers.js';
import { buildApp, checkApp } from './prepare.js';
import { type Entries, ProcessFactory } from './process-factory.js';
import { ProcessTable } from './process-table.js';
import { Reloader, type ReloadOptions, type ReloadResult } from './reload.js';
import { logStarted, type StartedInfo, startedInfo } from './started.js';
import type { SupervisedProcess } from './supervised-process.js';
import { closeBudget, Supervisor } from './supervisor.js';

/** How the master is made besides its options. */
export interface MasterSetup {
  /** The scripts of the agent and of a worker (the `brood` package knows where they are). */
  entries: Entries;
  /** The app environment when neither options nor the environment name one. Default `prod`. */
  defaultEnv?: string;
  /** Hears of a setting used but probably not meant (an unknown NODE_ENV). Default: a warning in the master's log. */
  warn?: (message: string) => void;
}

/** How long a process stopped during a failed start-up may take to close. */
const ABORT_CLOSE_MS = 1000;

/**
 * The most a stop can take, in ms: readiness turned 503 for
 * `readinessDrainDelay`, the agent's clock stopped, then the workers and
 * the agent, each within `shutdownTimeout` and the kill of what is left.
 * `brood stop` waits this long, and `brood systemd` and brood/testing
 * bound a stop by it.
 */
export function stopBudget(settings: Pick<ResolvedOptions, 'shutdownTimeout' | 'ops'>): number {
  return settings.ops.readinessDrainDelay + AGENT_CLOCK_STOP_MS + 2 * closeBudget(settings.shutdownTimeout);
}

/**
 * The master process: it runs no application code. It checks the app and
 * the port, compiles the app, forks the agent and the workers at once,
 * lets the workers run their hooks once the agent is ready, waits for every
 * one, then declares the application ready.
 * Afterwards its supervisor reforks what dies, its router carries the
 * messages, and it stops everything in order. Each job has its own module;
 * this class puts them together in the order of docs/cluster.md.
 */
export class Master {
  readonly settings: ResolvedOptions;
  readonly logger: Logger;
  readonly table = new ProcessTable();
  readonly router: Router;
  /** The app's port, bound once and held for the master's life. */
  readonly port: AppPort;
  /** Resolves with the exit code the master process should end with. */
  readonly done = new Deferred<number>();
  readonly #factory: ProcessFactory;
  readonly #supervisor: Supervisor;
  readonly #reloader: Reloader;
  /** Heartbeat, guards, health, metrics, the management port. */
  readonly #ops: Operations;
  readonly #gate = new AgentGate();
  #state: MasterState = 'idle';
  #stopping: Promise<void> | undefined;
  #control: ControlServer | undefined;
  #info: StartedInfo | undefined;
  #cluster: ClusterPart | undefined;

  constructor(options: MasterOptions, setup: MasterSetup) {
    const warnings: string[] = [];
    this.settings = resolveOptions(options, process.env, setup.defaultEnv, (message) => warnings.push(message));
    this.logger = masterLogger(this.settings);
    for (const message of warnings) (setup.warn ?? ((m: string) => this.logger.warn(m)))(message);
    this.router = masterRouter(this.settings, this.logger, this.table, (from, message) =>
      message.type === 'process:pong' ? this.#ops.pong(from, message as PongMessage) : this.#supervisor.fromChild(from, message),
    );
    this.port = new AppPort(this.settings, this.logger, this.table);
    this.table.onChange(() => {
      this.router.release();
      this.port.sync();
    });
    this.#factory = new ProcessFactory(this.settings, setup.entries, this.port);
    const host = this;
    this.#supervisor = new Supervisor({
      settings: this.settings,
      logger: this.logger,
      table: this.table,
      router: this.router,
      factory: this.#factory,
      port: this.port,
      host: {
        get state() {
          return host.#state;
        },
        giveUp: (error) => {
          this.logger.fatal({ err: error }, error.message);
          process.stderr.write(`brood: ${error.message} (${error.code})\n`);
          void this.stop('too many restarts', 1);
        },
        restarting: (role) => this.#ops.metrics?.restarted(role),
        workerLoaded: (proc) => this.#gate.loaded(proc),
      },
    });
    this.#reloader = new Reloader({
      settings: this.settings,
      logger: this.logger,
      table: this.table,
      supervisor: this.#supervisor,
      factory: this.#factory,
      host: {
        get state() {
          return host.#state;
        },
        build: () => buildApp(this.settings, this.logger),
      },
    });
    const { settings, logger, table, router } = this;
    const opsHost = { state: () => this.#state, reloading: () => this.#reloader.busy };
    this.#ops = new Operations({ settings, logger, table, router, supervisor: this.#supervisor, host: opsHost });
  }

  get state(): MasterState {
    return this.#state;
  }

  /** The URL, pids and start-up time, once the application serves. */
  get info(): StartedInfo | undefined {
    return this.#info;
  }

  /** The agent and workers as they are now. */
  get processes(): SupervisedProcess[] {
    return this.table.all();
  }

  /**
   * Starts the application and resolves once every worker serves. On
   * failure every process already forked is stopped before it rejects.
   */
  async start(): Promise<StartedInfo> {
    if (this.#state !== 'idle') throw broodError(ERR.ALREADY_STARTED, `the master cannot start twice (it is ${this.#state})`);
    this.#state = 'starting';
    await openMasterLog(this.settings, this.logger);
    try {
      // 1. The app folder and its config, before anything is forked.
      checkApp(this.settings, this.logger);
      // 2. The control socket: a second instance of the same app and title stops here,
      //    with ERR_BROOD_ALREADY_RUNNING rather than the port its twin holds.
      await this.#openControl();
      // 3. The port, bound for good.
      await this.port.open();
      // The heartbeat, and the management port: probes answer during start-up too.
      await this.#ops.open();
      // Cluster mode: Redis reached and this instance registered before anything is forked.
      this.#cluster = await ClusterLink.open(this.settings, this.logger);
      this.#factory.cluster = this.#cluster.processOptions();
      // 4. The app, compiled once for every process.
      this.#factory.useBuild(await buildApp(this.settings, this.logger));
      this.#throwIfStopped();
      // 5. The agent and N workers (and the spares) at once: each worker loads while the agent
      //    boots, then waits at the gate; 6. once the agent is ready, the workers run their hooks.
      this.#factory.setupCluster();
      await this.#gate.start(this.#supervisor, () => this.#throwIfStopped());
      this.#throwIfStopped();
    } catch (error) {
      await this.#abort(error);
      throw error;
    }
    // 7. Every worker is ready: the application serves.
    return this.#serve();
  }

  /**
   * Stops in order: the agent's clock, then the workers stop accepting and
   * finish what is in flight, run `beforeClose` and exit; then the agent
   * closes. Past `shutdownTimeout` what is left is killed. Resolves when
   * all are gone.
   */
  stop(reason = 'asked', exitCode = 0): Promise<void> {
    this.#stopping ??= (async () => {
      const wasStarting = this.#state === 'starting';
      this.#state = 'stopping';
      this.logger.info({ reason }, `brood stopping: ${reason}`);
      if (!wasStarting) {
        const stopping = envelope<AppStoppingMessage>({ type: 'app:stopping' });
        for (const proc of this.table.ready()) this.router.send(proc.pid, stopping);
        await this.#ops.drain();
        await stopAgentClock(this.table, this.router, this.logger);
        // New connections are refused from now on; those in flight finish.
        this.port.close();
        await this.#supervisor.closeInOrder(this.settings.shutdownTimeout);
        await this.#cluster?.close();
        this.#state = 'stopped';
        this.logger.info({ event: 'stopped' }, 'brood stopped');
      }
      this.#ops.close();
      this.#control?.close();
      this.router.flushLog();
      this.done.resolve(exitCode);
    })();
    return this.#stopping;
  }

  /** The most a stop of this master can take ({@link stopBudget}). */
  stopBudget(): number {
    return stopBudget(this.settings);
  }

  /**
   * Kills the agent and every worker at once (SIGKILL) and ends the master
   * with exit code 1: a stop that should not wait any longer. The control
   * socket and pid file are removed all the same.
   */
  kill(): void {
    this.port.close();
    this.#supervisor.killAll();
    this.#ops.close();
    this.#control?.close();
    this.done.resolve(1);
  }

  /** Rolling restart with the app's current code: see {@link Reloader}. */
  reload(reason = 'asked', options: ReloadOptions = {}): Promise<ReloadResult> {
    return this.#ops.counted(this.#reloader.reload(reason, options));
  }

  /** Every process with its state, uptime, restarts, memory and CPU, and the agent's task figures. */
  status(): Promise<StatusResult> {
    const { settings, table, router } = this;
    return collectStatus({ settings, state: this.#state, url: this.#info?.url ?? null, table, router, ops: this.#ops });
  }

  /** This instance's view of the cluster: every live instance, the leader, the last fire of each cluster task. */
  clusterStatus(): Promise<ClusterStatusResult> {
    return this.#cluster?.status() ?? Promise.resolve({ enabled: false, reason: `the master is ${this.#state}` });
  }

  /**
   * Runs one scheduled task now, through the agent, with `args` for its
   * second parameter; waits `timeout` ms, or as long as the run lasts when `null`.
   */
  runTask(name: string, timeout: number | null = null, args?: unknown): Promise<RunResult> {
    if (this.#state !== 'running') return Promise.reject(broodError(ERR.NOT_RUNNING, `cannot run a task: the master is ${this.#state}`));
    return this.router.call('agent', 'task:run', args === undefined ? { name } : { name, args }, timeout);
  }

  async #openControl(): Promise<void> {
    if (!this.settings.control) return;
    this.#control = new ControlServer(controlCommands(this), this.logger, this.settings);
    await this.#control.listen();
  }

  #serve(): StartedInfo {
    this.table.markServing();
    announceAppReady(this.table, this.router);
    this.#state = 'running';
    const info = startedInfo(this.port, this.table, this.settings.port);
    this.#info = info;
    this.#cluster?.update({ url: info.url, workers: info.workers.length });
    // The pid file names the URL before the started line says so: a script that waits for the line may read it.
    this.#control?.writePidFile(info.url);
    logStarted(this.logger, info, this.#gate.started());
    codeCacheReady();
    return info;
  }

  #throwIfStopped(): void {
    if (this.#state !== 'starting') throw broodError(ERR.START_INTERRUPTED, 'start-up was interrupted by a stop');
  }

  async #abort(error: unknown): Promise<void> {
    this.#state = 'stopping';
    // The message names the cause; a child that failed logged its own error, stack and all, already.
    this.logger.error({ code: codeOf(error) }, `brood failed to start: ${messageOf(error)}`);
    this.port.close();
    await this.#supervisor.closeInOrder(ABORT_CLOSE_MS);
    await this.#cluster?.close();
    this.#state = 'stopped';
    this.#ops.close();
    this.#control?.close();
    this.done.resolve(1);
  }
}
