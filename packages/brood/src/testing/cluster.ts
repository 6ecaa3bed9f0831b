import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { BroodError, broodError, ERR } from '@brood/errors';
import type { ReloadResult, StartedInfo, StatusResult } from '@brood/master';
import type { RunResult } from '@brood/messenger';
import type { Agent as SupertestAgent } from 'supertest';
import { isAlive } from '../process-alive.js';
import type { TaskArgs, TaskName } from '../types.js';
import { LauncherLink } from './launcher-link.js';
import type { LauncherOptions } from './launcher-protocol.js';
import type { MethodMock, MethodName, ServiceName } from './mock-types.js';
import { taskOutcome } from './task-outcome.js';

/** Options of {@link startTestCluster}. */
export interface TestClusterOptions {
  /** The app folder. Default: the current folder. */
  baseDir?: string;
  /** The app environment. Default `test`. */
  env?: string;
  /** How many workers. Default 2. */
  workers?: number;
  /** The level of the cluster's log, which goes to the test process's stdout. Default `warn`. */
  logLevel?: string;
  /** ms the agent, and each worker, may take to boot. Default 20000. */
  startTimeout?: number;
  /** ms a graceful stop may take before what is left is killed. Default 5000. */
  shutdownTimeout?: number;
}

/** A process of the cluster, to {@link TestCluster.kill}: a role (the agent, the first worker) or a pid. */
export type ProcessTarget = 'master' | 'agent' | 'worker' | number;

/** A real cluster (master, agent, N workers on a free port) started for a test. */
export interface TestCluster {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The URL, the port, and the pids of the agent and the workers at start-up. */
  readonly info: StartedInfo;
  /** A supertest agent on {@link url}: `await cluster.request().get('/').expect(200)`. */
  request(): SupertestAgent;
  /** Every process with its state, uptime, restarts and memory, and the task figures: `brood status --json`. */
  status(): Promise<StatusResult>;
  /** A rolling restart of the workers, then the agent, as `brood reload`; resolves when it is over. */
  reload(): Promise<ReloadResult>;
  /**
   * Sends `signal` (default SIGKILL) to a process of the cluster: the
   * master, the agent, the first worker, or a pid; resolves with the pid
   * once the signal is sent. The master replaces a worker or an agent
   * that dies: {@link status} shows the new one.
   */
  kill(target: ProcessTarget, signal?: NodeJS.Signals): Promise<number>;
  /** Runs a scheduled task now, where its type says, with `args` for its second parameter; resolves with its result, rejects with its error. */
  runTask<K extends TaskName>(name: K, ...args: TaskArgs<K>): Promise<RunResult>;
  /**
   * Replaces `method` of the service `name` with `fn` in every worker that
   * runs now, until {@link restoreMocks}; resolves once they all have it.
   * `fn` travels to the workers as its source: an arrow function or a
   * function expression that uses its arguments and `this` (the service),
   * not the variables of the test around it.
   */
  mockService<N extends ServiceName, M extends MethodName<N>>(name: N, method: M, fn: MethodMock<N, M>): Promise<void>;
  /** Undoes every {@link mockService} in the workers. */
  restoreMocks(): Promise<void>;
  /** Stops the cluster gracefully; resolves once every process of it is gone. */
  stop(): Promise<void>;
}

/** The launcher program, beside this file in dist/. */
const LAUNCHER = fileURLToPath(new URL('./launcher.js', import.meta.url));
/** The start of the master itself besides its children's boots: compile, fork, handshake. */
const START_MARGIN_MS = 30_000;
/** How long the processes of a master that was killed may take to leave by the orphan rule (within a second) before they are killed. */
const ORPHANS_GONE_MS = 2000;
/** Besides the master's own stop budget (the clock, then the workers, then the agent): the launcher's exit. */
const STOP_MARGIN_MS = 5000;

/**
 * Starts the app for real — a master, the agent and N workers on a free
 * port of 127.0.0.1 — in a child process of this one, and resolves once
 * every worker serves. A start that fails rejects with the master's error,
 * which names the file and the hook.
 *
 * Nothing of it outlives the test process: when the test process ends
 * without {@link TestCluster.stop}, crashes or is killed (SIGKILL
 * included), its master sees its IPC channel close, stops the app within a
 * second and exits, and the agent and workers follow their master.
 */
export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  const settings: LauncherOptions = {
    baseDir: resolve(options.baseDir ?? process.cwd()),
    env: options.env ?? 'test',
    workers: options.workers ?? 2,
    logLevel: options.logLevel ?? 'warn',
    startTimeout: options.startTimeout ?? 20_000,
    shutdownTimeout: options.shutdownTimeout ?? 5000,
    runner: process.ppid,
  };
  // Not detached: a terminal's Ctrl-C reaches the master too, which then stops the app in order.
  const child = fork(LAUNCHER, [JSON.stringify(settings)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
  const link = new LauncherLink(child);
  const bound = setTimeout(() => child.kill('SIGKILL'), 2 * settings.startTimeout + START_MARGIN_MS);
  try {
    const notice = await link.notice();
    if (notice.type === 'failed') {
      const error = new BroodError(notice.error.code, notice.error.message);
      if (notice.error.stack !== undefined) error.stack = notice.error.stack;
      throw error;
    }
    return new RunningCluster(child.pid as number, notice.info, link, notice.stopBudget + STOP_MARGIN_MS);
  } finally {
    clearTimeout(bound);
  }
}

class RunningCluster implements TestCluster {
  readonly url: string;
  readonly info: StartedInfo;
  readonly #master: number;
  readonly #link: LauncherLink;
  readonly #stopBound: number;
  /** Every agent and worker seen, to make sure they are gone once the cluster stops. */
  readonly #seen = new Set<number>();
  #stopping: Promise<void> | undefined;

  constructor(master: number, info: StartedInfo, link: LauncherLink, stopBound: number) {
    this.#master = master;
    this.#stopBound = stopBound;
    this.info = info;
    this.url = info.url;
    this.#link = link;
    for (const pid of [info.agent, ...info.workers]) this.#seen.add(pid);
  }

  request(): SupertestAgent {
    // Loaded when first used: the app's test files that never call it do not pay for it.
    const supertest = createRequire(import.meta.url)('supertest') as typeof import('supertest');
    return supertest.agent(this.url);
  }

  async status(): Promise<StatusResult> {
    const status = await this.#link.command('status', {});
    for (const proc of status.processes) if (proc.role !== 'master') this.#seen.add(proc.pid);
    return status;
  }

  reload(): Promise<ReloadResult> {
    return this.#link.command('reload', {});
  }

  async kill(target: ProcessTarget, signal: NodeJS.Signals = 'SIGKILL'): Promise<number> {
    const pid = target === 'master' ? this.#master : await this.#pidOf(target);
    process.kill(pid, signal);
    return pid;
  }

  async runTask<K extends TaskName>(name: K, ...args: TaskArgs<K>): Promise<RunResult> {
    const [taskArgs] = args;
    return taskOutcome(await this.#link.command('run-task', taskArgs === undefined ? { name } : { name, args: taskArgs }));
  }

  async mockService<N extends ServiceName, M extends MethodName<N>>(name: N, method: M, fn: MethodMock<N, M>): Promise<void> {
    if (typeof fn !== 'function') {
      throw broodError(ERR.MOCK_INVALID, `mockService: the mock of ${name}.${method} must be a function, got ${typeof fn}`);
    }
    await this.#link.mock({ type: 'mock-service', name, method, source: fn.toString() });
  }

  async restoreMocks(): Promise<void> {
    await this.#link.mock({ type: 'restore-mocks' });
  }

  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #pidOf(target: Exclude<ProcessTarget, 'master'>): Promise<number> {
    const { processes } = await this.status();
    const found =
      typeof target === 'number' ? processes.find((proc) => proc.pid === target) : processes.find((proc) => proc.role === target);
    if (found !== undefined) return found.pid;
    const present = processes.map((proc) => `${proc.role} ${proc.pid}`).join(', ');
    throw broodError(
      ERR.NO_TARGET,
      `no ${typeof target === 'number' ? `process ${target}` : target} in the test cluster (it has ${present})`,
    );
  }

  async #stop(): Promise<void> {
    if (this.#link.alive) {
      this.#link.command('stop', {}).catch(() => {});
      const bound = setTimeout(() => signal(this.#master, 'SIGKILL'), this.#stopBound);
      await this.#link.exited;
      clearTimeout(bound);
    }
    // A master that was killed left its agent and workers to the orphan rule: they leave within a second.
    const deadline = Date.now() + ORPHANS_GONE_MS;
    while ([...this.#seen].some(isAlive) && Date.now() < deadline) await sleep(20);
    for (const pid of [...this.#seen].filter(isAlive)) signal(pid, 'SIGKILL');
  }
}

/** Sends `name` to `pid`, which may be gone already. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // gone
  }
}
