import { type AgentApplication, agentRole } from '@brood/agent';
import {
  type BaseApplication,
  buildApp,
  type ChildRole,
  type ChildRuntime,
  createLogger,
  Deferred,
  hostChild,
  type Logger,
  type ProcessOptions,
  requireApp,
  settlesWithin,
  warnOfMissingEnvConfig,
  withTimeout,
} from '@brood/core';
import { BroodError, broodError, codeOf, ERR, messageOf } from '@brood/errors';
import {
  type AppReadyMessage,
  type AppStoppingMessage,
  type BootContinueMessage,
  type CloseMessage,
  type DrainedAckMessage,
  type Envelope,
  envelope,
  type Peers,
  type PeersChangedMessage,
  Router,
  type RunResult,
  type Sender,
} from '@brood/messenger';
import { type WorkerApplication, workerRole } from '@brood/worker';
import { type InProcessLink, linkInProcess } from './in-process-channel.js';

/** What the test process, standing in for the master, settles for its agent and worker. */
export interface InProcessOptions {
  baseDir: string;
  env: string;
  config: Record<string, unknown> | undefined;
  schedule: boolean;
  logLevel: string;
  pretty: boolean;
  startTimeout: number;
  shutdownTimeout: number;
  requestTimeout: number;
}

/**
 * The pids of the in-process agents and workers: above the highest pid
 * Linux gives (2^22), so that the router tells them apart from each other
 * and from the test process (the master, to the router), and nobody takes
 * one for a real process.
 */
let lastPid = 2 ** 22;

/** How long a close waits for the agent to confirm that its clock has stopped, as the master does. */
const SCHEDULE_STOP_TIMEOUT_MS = 2000;
/** What a close of the agent or the worker may take besides its `shutdownTimeout`: the exit protocol's own bounds. */
const EXIT_GRACE_MS = 1000;

/** The agent or the worker, running in this process. */
class Member {
  readonly pid = ++lastPid;
  state: 'booting' | 'ready' | 'closing' | 'exited' = 'booting';
  runtime: ChildRuntime | undefined;
  readonly link: InProcessLink;
  readonly ready = new Deferred<void>();
  readonly exited = new Deferred<void>();

  constructor(
    readonly role: 'agent' | 'worker',
    router: Router,
  ) {
    this.link = linkInProcess(router, { role, pid: this.pid });
  }
}

/** The error a boot that did not reach ready rejects with: the child's own, which names the file and the hook. */
function startError(role: 'agent' | 'worker', code: number, reason: unknown): BroodError {
  if (reason === undefined) {
    const failed = role === 'agent' ? ERR.AGENT_START_FAILED : ERR.WORKER_START_FAILED;
    return broodError(failed, `${role} exited with code ${code} before it was ready`);
  }
  return new BroodError(codeOf(reason) ?? ERR.LOAD_FAILED, `${role} failed to start: ${messageOf(reason)}`, { cause: reason });
}

/**
 * The agent and one worker of an app, booted in this process by the child
 * runtime of a real cluster, with the test process in the master's place:
 * it compiles the app, boots the agent and then the worker, routes their
 * messages through the master's own {@link Router}, announces `app:ready`,
 * and closes them in the master's order. Nothing listens on a port.
 */
export class InProcessCluster {
  readonly router: Router;
  readonly logger: Logger;
  readonly #options: InProcessOptions;
  #agent: Member | undefined;
  #worker: Member | undefined;
  #serving = false;
  #closing: Promise<void> | undefined;

  constructor(options: InProcessOptions) {
    this.#options = options;
    this.logger = createLogger({ role: 'master', level: options.logLevel, pretty: options.pretty });
    this.router = new Router({
      log: this.logger,
      directory: {
        agent: () => (this.#agent?.state === 'ready' ? this.#agent.pid : undefined),
        readyWorkers: () => (this.#worker?.state === 'ready' ? [this.#worker.pid] : []),
        appReady: () => this.#serving,
      },
      onControl: (from, message) => this.#fromChild(from, message),
    });
  }

  /**
   * Boots the agent, then the worker, then announces that the app serves
   * and waits for both `serverDidReady` hooks. A failure closes what was
   * booted and rejects with the error that stopped it.
   */
  async start(): Promise<{ agent: AgentApplication; worker: WorkerApplication }> {
    const { baseDir, env } = this.#options;
    try {
      requireApp(baseDir);
      warnOfMissingEnvConfig(baseDir, env, this.logger);
      const options = this.#processOptions(await buildApp(baseDir, this.logger));
      this.#agent = new Member('agent', this.router);
      const agent = await this.#boot(this.#agent, agentRole, options);
      this.#worker = new Member('worker', this.router);
      const worker = await this.#boot(this.#worker, workerRole, options);
      this.#serving = true;
      this.router.release();
      // As the master does: the worker has the last value of each retained action before it serves.
      this.router.giveRetained(this.#worker.pid);
      const ready = envelope<AppReadyMessage>({ type: 'app:ready', peers: this.#peers() });
      for (const member of [this.#agent, this.#worker]) this.router.send(member.pid, ready);
      await Promise.all([this.#served(this.#agent), this.#served(this.#worker)]);
      return { agent, worker };
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /** Runs a task now through the agent, as `brood run-task` does, with `args` for its second parameter. */
  runTask(name: string, args?: unknown): Promise<RunResult> {
    if (this.#closing !== undefined) return Promise.reject(broodError(ERR.NOT_RUNNING, `cannot run task ${name}: the test app is closed`));
    return this.router.call('agent', 'task:run', args === undefined ? { name } : { name, args }, null);
  }

  /** Closes as the master stops: the clock, then the worker, then the agent, each with its `beforeClose` hooks. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (this.#serving) {
      const stopping = envelope<AppStoppingMessage>({ type: 'app:stopping' });
      for (const member of this.#members()) if (member.state === 'ready') this.router.send(member.pid, stopping);
      if (this.#agent?.state === 'ready') {
        await this.router.call('agent', 'schedule:stop', null, SCHEDULE_STOP_TIMEOUT_MS).catch((error: unknown) => {
          this.logger.debug({ err: error }, `the agent did not confirm its clock stopped: ${messageOf(error)}`);
        });
      }
    }
    await this.#closeMember(this.#worker);
    await this.#closeMember(this.#agent);
  }

  async #boot<App extends BaseApplication, Served>(member: Member, spec: ChildRole<App, Served>, options: ProcessOptions): Promise<App> {
    const runtime = await hostChild(spec, options, {
      channel: member.link.channel,
      pid: member.pid,
      exit: (code, reason) => this.#exited(member, code, reason),
    });
    member.runtime = runtime as unknown as ChildRuntime;
    await member.ready.promise;
    return runtime.app as App;
  }

  /** Waits for the `serverDidReady` hook of `member`, within the start timeout. */
  #served(member: Member): Promise<void> {
    const { startTimeout } = this.#options;
    const serving = member.runtime?.serving.promise ?? Promise.resolve();
    return withTimeout(serving, startTimeout, () => {
      const file = member.runtime?.lifecycle.file ?? member.role;
      return broodError(
        ERR.BOOT_TIMEOUT,
        `${member.role} did not become ready within ${startTimeout} ms: ${file} serverDidReady has not resolved`,
      );
    }).catch((error: unknown) => {
      throw error instanceof BroodError && error.code === ERR.BOOT_TIMEOUT ? error : startError(member.role, 1, error);
    });
  }

  async #closeMember(member: Member | undefined): Promise<void> {
    if (member === undefined || member.state === 'exited') return;
    member.state = 'closing';
    this.router.release();
    const changed = envelope<PeersChangedMessage>({ type: 'peers:changed', peers: this.#peers() });
    for (const other of this.#members()) if (other.state === 'ready') this.router.send(other.pid, changed);
    const { shutdownTimeout } = this.#options;
    this.router.send(member.pid, envelope<CloseMessage>({ type: 'process:close', timeout: shutdownTimeout }));
    if (!(await settlesWithin(member.exited.promise, shutdownTimeout + EXIT_GRACE_MS))) {
      this.logger.warn(`${member.role} did not close within ${shutdownTimeout} ms; left behind`);
      this.#exited(member, 1, undefined);
    }
  }

  /** A control envelope of the agent or the worker: what the master's supervisor would do with it. */
  #fromChild(from: Sender, message: Envelope): void {
    const member = this.#members().find((m) => m.pid === from.pid);
    if (member === undefined) return;
    switch (message.type) {
      case 'agent:ready':
      case 'worker:ready':
        member.state = 'ready';
        this.router.release();
        member.ready.resolve();
        return;
      case 'boot:loaded':
        // The agent is ready before the worker boots here: a worker that has loaded goes on at once.
        if (member.role === 'worker') this.router.send(member.pid, envelope<BootContinueMessage>({ type: 'boot:continue' }));
        return;
      case 'process:drained':
        this.router.send(member.pid, envelope<DrainedAckMessage>({ type: 'process:drained-ack' }));
        return;
      default:
        // boot:failed comes with the exit that carries the error itself; process:exiting needs nothing.
        return;
    }
  }

  #exited(member: Member, code: number, reason: unknown): void {
    if (member.state === 'exited') return;
    member.state = 'exited';
    member.link.cut();
    this.router.close(member.pid);
    member.ready.reject(startError(member.role, code, reason));
    member.exited.resolve();
  }

  #members(): Member[] {
    return [this.#agent, this.#worker].filter((m) => m !== undefined);
  }

  #peers(): Peers {
    return {
      agent: this.#agent?.state === 'ready' ? this.#agent.pid : null,
      workers: this.#worker?.state === 'ready' ? [this.#worker.pid] : [],
    };
  }

  #processOptions(buildDir: string): ProcessOptions {
    const { baseDir, env, config, schedule, logLevel, pretty, startTimeout, shutdownTimeout, requestTimeout } = this.#options;
    return {
      baseDir,
      buildDir,
      env,
      port: 0,
      pretty,
      logLevel,
      startTimeout,
      shutdownTimeout,
      requestTimeout,
      listen: false,
      schedule,
      ...(config === undefined ? {} : { config }),
    };
  }
}
