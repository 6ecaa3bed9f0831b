import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import type { RunResult } from '@brood/messenger';
import { anonymousContext } from '@brood/worker';
import type { Context } from 'koa';
import type { Agent as SupertestAgent } from 'supertest';
import type { Agent, AppConfig, Application, AppMessenger, BroodConfig, Services, TaskArgs, TaskName } from '../types.js';
import { InProcessCluster } from './in-process-cluster.js';
import type { ConfigOverride, MethodMock, MethodName, ServiceName } from './mock-types.js';
import { Mocks } from './mocks.js';
import { taskOutcome } from './task-outcome.js';

/** Options of {@link createTestApp}. */
export interface TestAppOptions {
  /** The app folder. Default: the current folder. */
  baseDir?: string;
  /** The app environment. Default `test`. */
  env?: string;
  /**
   * Merged over the app's config files before anything boots, in the agent
   * and the worker alike: what middleware options and hooks read at start.
   * To change config for one test of a booted app, see {@link TestApp.mockConfig}.
   */
  config?: ConfigOverride;
  /** Let the scheduled tasks tick (and the `immediate` ones run) as in a cluster. Default false: a task runs when {@link TestApp.runTask} asks. */
  schedule?: boolean;
  /** The log level of the agent and the worker. Default `warn`. */
  logLevel?: string;
  /** Human-readable log lines. Default false. */
  pretty?: boolean;
  /** ms the agent, and the worker, may take to boot; a hook still running then is named. Default 20000. */
  startTimeout?: number;
  /** ms `close()` gives each of them for its `beforeClose` hooks. Default 5000. */
  shutdownTimeout?: number;
  /** Default `messenger.request` timeout in ms. Default 5000. */
  requestTimeout?: number;
}

/**
 * An app booted in the test process by {@link createTestApp}: its agent and
 * one worker, their messenger, requests without a port, mocks, and tasks
 * run on demand.
 */
export class TestApp {
  /** The worker application: what `app.ts`, `app/router.ts` and services receive. */
  readonly worker: Application;
  /** The agent application: what `agent.ts` receives. */
  readonly agent: Agent;
  readonly #cluster: InProcessCluster;
  readonly #mocks = new Mocks();

  /** @internal Made by {@link createTestApp}. */
  constructor(cluster: InProcessCluster, worker: Application, agent: Agent) {
    this.#cluster = cluster;
    this.worker = worker;
    this.agent = agent;
  }

  /** The worker's messenger: `await app.messenger.request('agent', …)` goes through the router to the agent. */
  get messenger(): AppMessenger {
    return this.worker.messenger;
  }

  /** The worker's config, mocks included. */
  get config(): BroodConfig & AppConfig {
    return this.worker.config;
  }

  /**
   * A supertest agent on the worker's HTTP server, which listens on no port
   * of its own: `await app.httpRequest().get('/').expect(200)`. Requests
   * cross the built-ins, the app's middleware and the router as in a cluster.
   */
  httpRequest(): SupertestAgent {
    // Loaded when first used: a test file that sends no request does not pay for it.
    const supertest = createRequire(import.meta.url)('supertest') as typeof import('supertest');
    return supertest.agent(this.worker.server as NonNullable<Application['server']>);
  }

  /**
   * A koa context outside any request, as a scheduled task gets one:
   * `ctx.service`, `ctx.logger` and `ctx.application` work as in a request.
   */
  mockContext(path = '/'): Context {
    return anonymousContext(this.worker as never, path) as unknown as Context;
  }

  /** The services, on a context of their own: `await app.service.links.create(…)`. */
  get service(): Services {
    return this.mockContext().service;
  }

  /**
   * Replaces `method` of the service `name` (`links`, or `admin.user` for
   * app/service/admin/user.ts) with `fn` until {@link restoreMocks}; `this`
   * is the service. A name or method the app does not have throws
   * `ERR_BROOD_MOCK_INVALID`, naming those it has.
   */
  mockService<N extends ServiceName, M extends MethodName<N>>(name: N, method: M, fn: MethodMock<N, M>): void {
    this.#mocks.service(this.worker as never, name, method, fn);
  }

  /**
   * Merges `override` over the config of the worker and the agent until
   * {@link restoreMocks}. Code that reads `app.config` (or a service's
   * `this.config`) when it runs sees it; what was read at boot (middleware
   * options, values a hook kept) does not change: pass those to
   * `createTestApp({ config })`.
   */
  mockConfig(override: ConfigOverride): void {
    this.#mocks.config([this.worker as never, this.agent as never], override as Record<string, unknown>);
  }

  /** Undoes every {@link mockService} and {@link mockConfig}. */
  restoreMocks(): void {
    this.#mocks.restore();
  }

  /**
   * Runs a scheduled task once now, where its type says (the agent, the
   * worker), and resolves with its result once the run is over; a run that
   * throws rejects with the task's error. An unknown name rejects with
   * `ERR_BROOD_TASK_UNKNOWN`. `args` is the task's second parameter, typed
   * as `app.runTask` is.
   */
  async runTask<K extends TaskName>(name: K, ...args: TaskArgs<K>): Promise<RunResult> {
    return taskOutcome(await this.#cluster.runTask(name, args[0]));
  }

  /** Runs the `beforeClose` hooks, the worker's then the agent's, as a stop does; resolves once both are closed. */
  close(): Promise<void> {
    this.#mocks.restore();
    return this.#cluster.close();
  }
}

/**
 * Boots the app in the test process — config, `agent.ts` and the agent,
 * then the worker with `app.ts`, its router, controllers, services and
 * middleware — with the lifecycle hooks in the order of a real start and a
 * messenger routed as in a cluster of one worker. Nothing listens on a
 * port and no scheduled task ticks unless asked. A boot that fails rejects
 * with the error that stopped it, which names the file and the hook.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const cluster = new InProcessCluster({
    baseDir: resolve(options.baseDir ?? process.cwd()),
    env: options.env ?? 'test',
    config: options.config as Record<string, unknown> | undefined,
    schedule: options.schedule ?? false,
    logLevel: options.logLevel ?? 'warn',
    pretty: options.pretty ?? false,
    startTimeout: options.startTimeout ?? 20_000,
    shutdownTimeout: options.shutdownTimeout ?? 5000,
    requestTimeout: options.requestTimeout ?? 5000,
  });
  const { worker, agent } = await cluster.start();
  return new TestApp(cluster, worker as unknown as Application, agent as unknown as Agent);
}
