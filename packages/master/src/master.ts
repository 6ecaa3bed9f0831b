import { fork } from 'node:child_process';
import cluster from 'node:cluster';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  CoreErrors,
  codeCacheReady,
  configEnvs,
  createLogger,
  findAppMarker,
  type Logger,
  type LogRotate,
  logFileName,
  openLogFile,
  PROCESS_OPTIONS_ENV,
  type ProcessOptions,
  WORKER_SLOT_ENV,
} from '@brood/core';
import { compileApp } from '@brood/core/compile';
import { writeTypings } from '@brood/core/typings';
import {
  type AppReadyMessage,
  type AppStoppingMessage,
  type CloseMessage,
  type DrainedAckMessage,
  type Envelope,
  envelope,
  fromWireError,
  type PeersChangedMessage,
  Router,
  type Sender,
} from '@brood/messenger';
import { Base } from 'sdk-base';
import { Deferred, SupervisedProcess } from './child-process.js';
import { processMetrics } from './control/metrics.js';
import { runPaths } from './control/paths.js';
import type { ProcessStatus, StatusResult } from './control/protocol.js';
import { ControlServer } from './control/server.js';
import { MasterErrors, masterError } from './errors.js';
import { type MasterOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { checkPort } from './port-check.js';
import { RestartBudget } from './restart-budget.js';

/** Where the master is in its life. */
export type MasterState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

/** What the master reports once the application serves. */
export interface StartedInfo {
  url: string;
  port: number;
  workers: number[];
  agent: number;
  /** ms from the master's process start to every worker ready. */
  ms: number;
}

/** What a reload did. */
export interface ReloadResult {
  /** The pids of the workers that were replaced. */
  replaced: number[];
  workers: number[];
  agent: number | null;
  ms: number;
}

/** How long `brood run-task` waits for a task to finish. */
const RUN_TASK_TIMEOUT_MS = 10 * 60_000;

/** How long a stop waits for the agent to confirm that its clock has stopped. */
const SCHEDULE_STOP_TIMEOUT_MS = 2000;

/** How long a process stopped during a failed start-up may take to close. */
const ABORT_CLOSE_MS = 1000;
/** Extra time the master gives a booting child to report its own timeout (which names the hook) before it kills it. */
const BOOT_GRACE_MS = 1000;

const resolveEntry = createRequire(import.meta.url).resolve;
const agentEntry = resolveEntry('@brood/agent/entry');
const workerEntry = resolveEntry('@brood/worker/entry');

/**
 * The master process: it runs no application code. It compiles the app,
 * forks the agent and waits for it, forks the workers and waits for every
 * one, then declares the application ready. Afterwards it routes messages,
 * reforks what dies, and stops everything in order.
 */
export class Master extends Base {
  readonly settings: ResolvedOptions;
  readonly logger: Logger;
  readonly router: Router;
  /** Resolves with the exit code the master process should end with. */
  readonly done = new Deferred<number>();
  #state: MasterState = 'idle';
  #agent: SupervisedProcess | undefined;
  readonly #workers = new Map<number, SupervisedProcess>();
  readonly #agentBudget: RestartBudget;
  readonly #workerBudget: RestartBudget;
  #stopping: Promise<void> | undefined;
  #reloading: Promise<ReloadResult> | undefined;
  #control: ControlServer | undefined;
  readonly #logFile: { path: string; rotate?: LogRotate } | undefined;
  #info: StartedInfo | undefined;
  readonly #cacheDir: string;
  #buildDir = '';
  /** The build the agent runs: the workers' one, unless a reload's new agent could not boot. */
  #agentBuildDir = '';

  constructor(options: MasterOptions = {}, defaultEnv = 'prod') {
    super();
    this.settings = resolveOptions(options, process.env, defaultEnv);
    const { logDir, logRotate } = this.settings;
    this.#logFile =
      logDir === undefined
        ? undefined
        : { path: join(logDir, logFileName('master')), ...(logRotate === undefined ? {} : { rotate: logRotate }) };
    this.logger = createLogger({
      role: 'master',
      pretty: this.settings.pretty,
      level: this.settings.logLevel,
      ...(this.#logFile === undefined ? {} : { file: this.#logFile }),
    });
    this.on('error', (error: unknown) => this.logger.error({ err: error }, (error as Error).message));
    this.#agentBudget = new RestartBudget(this.settings.maxRestarts, this.settings.restartWindow);
    this.#workerBudget = new RestartBudget(this.settings.maxRestarts, this.settings.restartWindow);
    this.#cacheDir = join(this.settings.baseDir, '.brood', 'build');
    this.router = new Router({
      log: this.logger,
      onControl: (from, message) => this.#onControl(from, message),
    });
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
    return [...(this.#agent === undefined ? [] : [this.#agent]), ...this.#workers.values()];
  }

  /**
   * Starts the application and resolves once every worker serves. On
   * failure every process already forked is stopped before it rejects.
   */
  async start(): Promise<StartedInfo> {
    if (this.#state !== 'idle') throw masterError(MasterErrors.BAD_OPTION, `the master cannot start twice (it is ${this.#state})`);
    this.#state = 'starting';
    const { baseDir, port, host, workers } = this.settings;
    if (this.#logFile !== undefined) {
      await openLogFile(this.logger, this.#logFile).catch((error: Error) =>
        this.logger.error({ err: error }, `cannot open the log file: ${error.message}`),
      );
    }
    try {
      if (findAppMarker(baseDir) === undefined) {
        throw masterError(CoreErrors.APP_NOT_FOUND, `no Brood app in ${baseDir}: expected app/router.ts, app.ts or agent.ts`);
      }
      this.#warnOfMissingEnvConfig();
      await checkPort(port, host);
      if (this.settings.control) {
        this.#control = new ControlServer(this, runPaths(baseDir, this.settings.title), this.settings.title, baseDir);
        await this.#control.listen();
      }
      this.#writeTypings();
      const compiled = await compileApp(baseDir, this.#cacheDir);
      this.#buildDir = compiled.dir;
      this.#agentBuildDir = compiled.dir;
      this.logger.debug({ files: compiled.files, cached: compiled.cached, ms: Math.round(compiled.ms) }, 'app compiled');
      this.#throwIfStopped();

      this.#agent = this.#forkAgent();
      await this.#agent.ready.promise;
      this.#throwIfStopped();

      this.#setupCluster();
      const forked = Array.from({ length: workers }, () => this.#forkWorker());
      await Promise.all(forked.map((worker) => worker.ready.promise));
      this.#throwIfStopped();
    } catch (error) {
      await this.#abort(error as Error);
      throw error;
    }

    this.router.markAppReady();
    const peers = this.router.peers();
    this.router.sendToReady(envelope<AppReadyMessage>({ type: 'app:ready', peers }));
    this.#state = 'running';
    const first = [...this.#workers.values()][0];
    const listenPort = first?.address?.port ?? port;
    const shownHost = host === undefined || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    this.#info = {
      url: `http://${shownHost}:${listenPort}`,
      port: listenPort,
      workers: peers.workers,
      agent: this.#agent?.pid ?? 0,
      ms: Math.round(performance.now()),
    };
    this.logger.info(
      { url: this.#info.url, workers: this.#info.workers, agent: this.#info.agent, ms: this.#info.ms, event: 'started' },
      `brood started: ${this.#info.url}, ${workers} worker${workers === 1 ? '' : 's'}, agent ${this.#info.agent}, in ${this.#info.ms} ms`,
    );
    this.#control?.writePidFile(this.#info.url);
    this.ready(true);
    codeCacheReady();
    return this.#info;
  }

  /**
   * Stops in order: workers stop accepting and finish what is in flight,
   * run `beforeClose` and exit; then the agent closes. Past
   * `shutdownTimeout` what is left is killed. Resolves when all are gone.
   */
  stop(reason = 'asked', exitCode = 0): Promise<void> {
    this.#stopping ??= (async () => {
      const wasStarting = this.#state === 'starting';
      this.#state = 'stopping';
      this.logger.info({ reason }, `brood stopping: ${reason}`);
      if (!wasStarting) {
        this.router.sendToReady(envelope<AppStoppingMessage>({ type: 'app:stopping' }));
        await this.#stopSchedule();
        await this.#closeAll([...this.#workers.values()], this.settings.shutdownTimeout);
        if (this.#agent !== undefined) await this.#closeAll([this.#agent], this.settings.shutdownTimeout);
        this.#state = 'stopped';
        this.logger.info({ event: 'stopped' }, 'brood stopped');
      }
      this.#control?.close();
      this.done.resolve(exitCode);
    })();
    return this.#stopping;
  }

  /**
   * Kills the agent and every worker at once (SIGKILL) and ends the master
   * with exit code 1: a stop that should not wait any longer. The control
   * socket and pid file are removed all the same.
   */
  kill(): void {
    for (const proc of this.processes) proc.kill();
    this.#control?.close();
    this.done.resolve(1);
  }

  /**
   * Rolling restart with the app's current code, make-before-break: the app
   * is compiled again (a compile error stops the reload and the running
   * processes keep serving); then, one worker at a time, a new worker is
   * forked and must be ready before an old one is told to close, so there
   * is always a ready worker and no request is dropped. Last the agent is
   * closed and forked again: messages for it are held while it is away.
   * Concurrent calls share one reload.
   */
  reload(reason = 'asked'): Promise<ReloadResult> {
    this.#reloading ??= this.#reload(reason).finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  async #reload(reason: string): Promise<ReloadResult> {
    if (this.#state !== 'running') throw masterError(MasterErrors.NOT_RUNNING, `cannot reload: the master is ${this.#state}`);
    const started = performance.now();
    this.logger.info({ reason }, `brood reloading: ${reason}`);
    this.#writeTypings();
    const compiled = await compileApp(this.settings.baseDir, this.#cacheDir);
    const previousBuild = this.#agentBuildDir;
    this.#buildDir = compiled.dir;
    this.#agentBuildDir = compiled.dir;

    const replaced: number[] = [];
    for (const old of [...this.#workers.values()]) {
      if (this.#state !== 'running') break;
      if (old.stopRequested) continue;
      try {
        await this.#tryOut(this.#forkWorker(old.slot));
      } catch (error) {
        throw masterError(
          MasterErrors.RELOAD_FAILED,
          `reload stopped, the running workers keep serving: ${(error as Error).message}`,
          error,
        );
      }
      await this.#closeAll([old], this.settings.shutdownTimeout);
      replaced.push(old.pid);
    }

    const oldAgent = this.#agent;
    if (oldAgent !== undefined && this.#state === 'running') {
      await this.#closeAll([oldAgent], this.settings.shutdownTimeout);
    }
    if (this.#state === 'running' && this.#agent === undefined) {
      this.#agent = this.#forkAgent();
      try {
        await this.#tryOut(this.#agent);
      } catch (error) {
        // The new agent cannot boot: the agent of the code that was running comes back, under supervision.
        this.#agentBuildDir = previousBuild;
        this.#agent = this.#forkAgent();
        this.#agent.ready.promise.catch((again: Error) => this.logger.error({ err: again }, again.message));
        throw masterError(
          MasterErrors.RELOAD_FAILED,
          `the new agent failed to start, the previous version runs again: ${(error as Error).message}`,
          error,
        );
      }
    }
    const result: ReloadResult = {
      replaced,
      workers: this.router.peers().workers,
      agent: this.#agent?.pid ?? null,
      ms: Math.round(performance.now() - started),
    };
    this.logger.info(
      { ...result, event: 'reloaded' },
      `brood reloaded in ${result.ms} ms: workers ${result.workers.join(', ')}, agent ${result.agent}`,
    );
    return result;
  }

  /** Every process with its state, uptime, restarts, memory and CPU, and the agent's task figures. */
  async status(): Promise<StatusResult> {
    const master = processMetrics(process.pid);
    const processes: ProcessStatus[] = [{ role: 'master', pid: process.pid, state: this.#state, restarts: 0, ...master }];
    for (const proc of this.processes) {
      processes.push({ role: proc.role, pid: proc.pid, state: proc.state, restarts: proc.restarts, ...processMetrics(proc.pid) });
    }
    const result: StatusResult = {
      title: this.settings.title,
      baseDir: this.settings.baseDir,
      url: this.#info?.url ?? null,
      env: this.settings.env,
      state: this.#state,
      processes,
    };
    if (this.#state === 'running') {
      try {
        result.tasks = await this.router.request('agent', 'brood:task-list', undefined, 2000);
      } catch {
        // No scheduler in this agent, or it is restarting: status goes on without task figures.
      }
    }
    return result;
  }

  /** Runs one scheduled task now, through the agent, and resolves with its outcome. */
  runTask(name: string): Promise<unknown> {
    if (this.#state !== 'running')
      return Promise.reject(masterError(MasterErrors.NOT_RUNNING, `cannot run a task: the master is ${this.#state}`));
    return this.router.request('agent', 'brood:task-run-now', { name }, RUN_TASK_TIMEOUT_MS);
  }

  /**
   * Waits until a process a reload forked is ready. Until then its death is
   * the reload's to handle, not supervision's: it is killed and the reload
   * stops, instead of being forked again with the same code.
   */
  async #tryOut(proc: SupervisedProcess): Promise<void> {
    proc.supervised = false;
    try {
      await proc.ready.promise;
      proc.supervised = true;
    } catch (error) {
      proc.stopRequested = true;
      proc.kill();
      throw error;
    }
  }

  /**
   * Stops the agent's clock and waits until it has: a tick the agent sent
   * before is routed while the workers still take work, and none comes
   * after, so no task goes to a closing worker. Bounded: an agent that does
   * not answer does not hold the stop up.
   */
  async #stopSchedule(): Promise<void> {
    if (this.#agent?.state !== 'ready') return;
    try {
      await this.router.request('agent', 'brood:schedule-stop', undefined, SCHEDULE_STOP_TIMEOUT_MS);
    } catch (error) {
      this.logger.debug({ err: error }, `the agent did not confirm its clock stopped: ${(error as Error).message}`);
    }
  }

  /**
   * An app with config files for some envs but none for this one: most
   * often a misspelt `--env`, which would otherwise run on the defaults
   * without a word.
   */
  #warnOfMissingEnvConfig(): void {
    const { baseDir, env } = this.settings;
    const envs = configEnvs(baseDir);
    if (envs.length === 0 || envs.includes(env)) return;
    this.logger.warn(
      { env, envs },
      `env ${env} has no config/config.${env}.ts (this app has config for ${envs.join(', ')}): it runs on config/config.default.ts alone`,
    );
  }

  /** Keeps typings/brood.d.ts in step with the app's files; a read-only app folder only loses the typings. */
  #writeTypings(): void {
    try {
      const { file, changed } = writeTypings(this.settings.baseDir);
      if (changed) this.logger.info({ file }, `typings written to ${file}`);
    } catch (error) {
      this.logger.warn({ err: error }, `cannot write typings: ${(error as Error).message}`);
    }
  }

  #throwIfStopped(): void {
    if (this.#state !== 'starting') throw masterError(MasterErrors.AGENT_START_FAILED, 'start-up was interrupted by a stop');
  }

  async #abort(error: Error): Promise<void> {
    this.#state = 'stopping';
    // The message names the cause; a child that failed logged its own error, stack and all, already.
    this.logger.error({ code: (error as { code?: string }).code }, `brood failed to start: ${error.message}`);
    await this.#closeAll([...this.#workers.values()], ABORT_CLOSE_MS);
    if (this.#agent !== undefined) await this.#closeAll([this.#agent], ABORT_CLOSE_MS);
    this.#state = 'stopped';
    this.#control?.close();
    this.done.resolve(1);
  }

  /** Asks each process to close within `timeout`, then kills what is left. */
  async #closeAll(processes: SupervisedProcess[], timeout: number): Promise<void> {
    const close = envelope<CloseMessage>({ type: 'process:close', timeout });
    for (const proc of processes) {
      proc.stopRequested = true;
      proc.state = 'closing';
      this.router.markClosing(proc.pid);
    }
    // Everyone left learns at once that these no longer take work (random, app, scheduled tasks).
    this.#announcePeers();
    for (const proc of processes) {
      if (!proc.write(close)) proc.kill();
    }
    await Promise.all(
      processes.map(async (proc) => {
        if (await proc.waitExit(timeout + BOOT_GRACE_MS)) return;
        this.logger.warn(`${proc.label} did not exit within ${timeout} ms; killing it`);
        proc.kill();
        await proc.waitExit(1000);
      }),
    );
  }

  #processOptions(startTimeout: number, buildDir = this.#buildDir): string {
    const options: ProcessOptions = {
      baseDir: this.settings.baseDir,
      buildDir,
      env: this.settings.env,
      port: this.settings.port,
      pretty: this.settings.pretty,
      logLevel: this.settings.logLevel,
      startTimeout,
      shutdownTimeout: this.settings.shutdownTimeout,
      requestTimeout: this.settings.requestTimeout,
    };
    if (this.settings.host !== undefined) options.host = this.settings.host;
    if (this.settings.logDir !== undefined) options.logDir = this.settings.logDir;
    if (this.settings.logRotate !== undefined) options.logRotate = this.settings.logRotate;
    return JSON.stringify(options);
  }

  /**
   * Source maps make stack traces point at the app's .ts files, but Node's
   * source-map support slows every request that builds a stack trace:
   * measured 5 % of hello-world throughput (bench/http.bench.mjs). So they
   * are on in `brood dev` and an option in production.
   */
  #execArgv(): string[] {
    return this.settings.sourceMaps ? [...process.execArgv, '--enable-source-maps'] : [...process.execArgv];
  }

  #forkAgent(): SupervisedProcess {
    const timeout = this.settings.agentStartTimeout;
    const child = fork(agentEntry, [], {
      env: { ...process.env, [PROCESS_OPTIONS_ENV]: this.#processOptions(timeout, this.#agentBuildDir) },
      execArgv: this.#execArgv(),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const proc = new SupervisedProcess('agent', child);
    this.#supervise(proc, timeout, MasterErrors.AGENT_START_TIMEOUT, MasterErrors.AGENT_START_FAILED);
    return proc;
  }

  #setupCluster(): void {
    // Read by Node when the first worker listens; it must be set before any fork.
    cluster.schedulingPolicy = this.settings.schedulingPolicy === 'rr' ? cluster.SCHED_RR : cluster.SCHED_NONE;
    cluster.setupPrimary({ exec: workerEntry, args: [], execArgv: this.#execArgv(), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  }

  /** Forks a worker into `slot`, or into the lowest slot no worker holds. */
  #forkWorker(slot = this.#freeSlot()): SupervisedProcess {
    const timeout = this.settings.workerStartTimeout;
    const worker = cluster.fork({ [PROCESS_OPTIONS_ENV]: this.#processOptions(timeout), [WORKER_SLOT_ENV]: String(slot) });
    const proc = new SupervisedProcess('worker', worker.process, worker);
    proc.slot = slot;
    this.#workers.set(proc.pid, proc);
    this.#supervise(proc, timeout, MasterErrors.WORKER_START_TIMEOUT, MasterErrors.WORKER_START_FAILED);
    return proc;
  }

  #freeSlot(): number {
    const taken = new Set([...this.#workers.values()].map((w) => w.slot));
    let slot = 1;
    while (taken.has(slot)) slot += 1;
    return slot;
  }

  /** Wires a new child: its messages, its start timeout, its exit. */
  #supervise(proc: SupervisedProcess, timeout: number, timeoutCode: string, failCode: string): void {
    this.router.add({ role: proc.role, pid: proc.pid }, (message) => proc.write(message));
    proc.child.on('message', (raw: unknown) => this.router.receive(proc.pid, raw));
    // A closed channel while the master itself is exiting is no news.
    proc.child.on('error', (error) => this.logger.debug({ err: error }, `${proc.label} channel error`));
    const timer = setTimeout(() => {
      proc.ready.reject(masterError(timeoutCode, `${proc.label} did not become ready within ${timeout} ms`));
      proc.kill();
    }, timeout + BOOT_GRACE_MS);
    proc.ready.promise.then(
      () => clearTimeout(timer),
      () => clearTimeout(timer),
    );
    proc.child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const how = signal === null ? `code ${code}` : `signal ${signal}`;
      proc.ready.reject(masterError(failCode, `${proc.label} exited with ${how} before it was ready`));
      proc.exited.resolve({ code, signal });
      this.#onExit(proc, how);
    });
  }

  #onControl(from: Sender, message: Envelope): void {
    const proc = from.role === 'agent' ? (this.#agent?.pid === from.pid ? this.#agent : undefined) : this.#workers.get(from.pid);
    if (proc === undefined) return;
    switch (message.type) {
      case 'agent:ready':
      case 'worker:ready':
        if (message.type === 'worker:ready') proc.address = message.address;
        proc.state = 'ready';
        this.router.markReady(proc.pid);
        proc.ready.resolve();
        if (this.#state === 'running') this.#joined(proc);
        break;
      case 'boot:failed': {
        // The child's own code says most about the cause (a hook, a config file, a timeout).
        const cause = fromWireError(message.error);
        proc.ready.reject(masterError(cause.code, `${proc.label} failed to start: ${cause.message}`, cause));
        break;
      }
      case 'process:drained':
        // Everything this child sent before, its server's close included, has been read by now.
        this.router.send(proc.pid, envelope<DrainedAckMessage>({ type: 'process:drained-ack' }));
        break;
      case 'process:exiting':
        this.logger.debug({ code: message.code }, `${proc.label} is exiting`);
        break;
      default:
        this.logger.warn({ type: message.type }, `unexpected ${message.type} from ${proc.label} ignored`);
    }
  }

  /** Tells every ready process which agent and workers take work now. */
  #announcePeers(): void {
    if (this.#state !== 'running' && this.#state !== 'stopping') return;
    this.router.sendToReady(envelope<PeersChangedMessage>({ type: 'peers:changed', peers: this.router.peers() }));
  }

  /** A process forked after start-up is ready: it joins the routing and everyone learns. */
  #joined(proc: SupervisedProcess): void {
    const peers = this.router.peers();
    this.router.send(proc.pid, envelope<AppReadyMessage>({ type: 'app:ready', peers }));
    const changed = envelope<PeersChangedMessage>({ type: 'peers:changed', peers });
    for (const other of this.processes) {
      if (other.pid !== proc.pid && other.state === 'ready') this.router.send(other.pid, changed);
    }
    this.logger.info({ peers }, `${proc.label} ready`);
  }

  #onExit(proc: SupervisedProcess, how: string): void {
    this.router.remove(proc.pid);
    if (proc.role === 'agent') {
      if (this.#agent === proc) this.#agent = undefined;
    } else {
      this.#workers.delete(proc.pid);
    }
    if (this.#state !== 'running' || proc.stopRequested || !proc.supervised) return;

    const budget = proc.role === 'agent' ? this.#agentBudget : this.#workerBudget;
    const wait = budget.crashed();
    if (wait === null) {
      const error = masterError(
        MasterErrors.TOO_MANY_RESTARTS,
        `${proc.role} crashed ${budget.recent} times within ${budget.windowMs} ms; giving up`,
      );
      this.logger.fatal({ err: error }, error.message);
      void this.stop('too many restarts', 1);
      return;
    }
    this.logger.warn({ how, wait }, `${proc.label} exited unexpectedly with ${how}; restarting${wait > 0 ? ` in ${wait} ms` : ''}`);
    this.#announcePeers();
    setTimeout(() => {
      if (this.#state !== 'running') return;
      const next = proc.role === 'agent' ? this.#forkAgent() : this.#forkWorker(proc.slot);
      next.restarts = proc.restarts + 1;
      if (proc.role === 'agent') this.#agent = next;
      next.ready.promise.catch((error: Error) => this.logger.error({ err: error }, error.message));
    }, wait);
  }
}
