/**
 * Brood's public API: the types an app is written against, the `define*`
 * helpers that give its files their types, `Service`, and `start()` to run
 * a cluster from code.
 *
 * App code imports this module at run time for the helpers: it loads
 * nothing heavy until `start()` is called.
 */
import type { AppInfo, ScheduleOptions } from '@brood/core';
import type { BroodError } from '@brood/errors';
import type { Master, MasterOptions, StartedInfo } from '@brood/master';
import type { Context, Request, Response } from 'koa';
import type {
  Agent,
  AgentTaskContext,
  Application,
  Boot,
  ConfigShape,
  Helper,
  MiddlewareFactory,
  Router,
  TaskFile,
  WorkerTaskContext,
} from './types.js';

export type { AgentApplication, LeaderEvents, LostReason } from '@brood/agent';
export type { ClusterOptions } from '@brood/cluster';
export type { AppInfo, LifecycleHooks, ScheduleOptions, TaskScope, TaskType } from '@brood/core';
export type { BroodError, ErrorCode } from '@brood/errors';
export type { HealthOptions, MasterOptions, OperationsOptions, SchedulingPolicy, StartedInfo } from '@brood/master';
export type { BroadcastOptions, MessageMeta, Peers, RequestTarget, Sender, SendOptions, TaskClaim } from '@brood/messenger';
export type { RouteMethod, WorkerApplication } from '@brood/worker';
export type { Context, Middleware, Next, Request, Response } from 'koa';
export { Service } from './service.js';
export type {
  Actions,
  Agent,
  AgentExtension,
  AgentTaskContext,
  AppConfig,
  Application,
  ApplicationExtension,
  AppMessenger,
  Boot,
  BroodConfig,
  ConfigOf,
  ConfigShape,
  ContextExtension,
  ControllerOf,
  Controllers,
  ExtensionOf,
  Helper,
  HelperExtension,
  MiddlewareFactory,
  MiddlewareSwitches,
  PathMatch,
  RequestExtension,
  ResponseExtension,
  Router,
  RunTask,
  Services,
  TaskArgs,
  TaskArgsOf,
  TaskFile,
  TaskName,
  Tasks,
  WorkerTaskContext,
} from './types.js';

/** Types `agent.ts`: `export default defineAgent((agent) => { … return { didLoad() {} } })`. */
export function defineAgent(boot: Boot<Agent>): Boot<Agent> {
  return boot;
}

/** Types `app.ts`: `export default defineApp((app) => ({ willReady() {} }))`. */
export function defineApp(boot: Boot<Application>): Boot<Application> {
  return boot;
}

/**
 * Types `app/router.ts`: `export default defineRouter((router, app) => { router.get('/', app.controller.home.index) })`.
 * Egg's form, a function of the application alone, needs no helper:
 * `export default (app: Application) => { const { router, controller } = app; … }`.
 */
export function defineRouter(routes: (router: Router, app: Application) => void | Promise<void>) {
  return routes;
}

/**
 * Types a config file and checks Brood's own keys:
 * `export default defineConfig({ … })` or `defineConfig((info) => ({ … }))`.
 * It returns its argument unchanged, typed as written, so the generated
 * typings make `app.config.<key>` of every key it holds.
 */
export function defineConfig<C extends ConfigShape | ((info: AppInfo) => ConfigShape | Promise<ConfigShape>)>(config: C): C {
  return config;
}

/** Types `app/middleware/<name>.ts`: `export default defineMiddleware<{ header: string }>((options, app) => async (ctx, next) => { … })`. */
export function defineMiddleware<Options = Record<string, unknown>>(factory: MiddlewareFactory<Options>): MiddlewareFactory<Options> {
  return factory;
}

/** What each file of `app/extend` extends, as `this` inside its getters and methods. */
export interface ExtendTargets {
  application: Application;
  agent: Agent;
  context: Context;
  request: Request;
  response: Response;
  helper: Helper;
}

/**
 * Types `app/extend/<target>.ts`: `this` in its getters and methods is the
 * object it extends, with the extension itself.
 *
 * ```ts
 * // app/extend/context.ts
 * export default defineExtend('context', {
 *   get isIOS() { return /iPhone|iPad/.test(this.get('user-agent')); },
 * });
 * ```
 *
 * The generated typings then make `ctx.isIOS` a `boolean` everywhere.
 */
export function defineExtend<K extends keyof ExtendTargets, T extends object>(target: K, extension: T & ThisType<ExtendTargets[K] & T>): T {
  void target;
  return extension;
}

/**
 * Types `app/schedule/<name>.ts` as a default export:
 * `export default defineTask({ schedule: { interval: '5m', type: 'agent' }, async task(ctx) { … } })`.
 *
 * A task that takes arguments (from `app.runTask(name, args)` or
 * `brood run-task name --data '…'`) declares their type on its second
 * parameter, `async task(ctx, args: { days: number } | undefined)`: a tick
 * passes none. The generated typings then check every `runTask` of it.
 */
export function defineTask<Args = undefined>(file: {
  schedule: ScheduleOptions & { type: 'agent' };
  task: (ctx: AgentTaskContext, args: Args) => unknown;
}): TaskFile<Args>;
export function defineTask<Args = undefined>(file: {
  schedule: ScheduleOptions & { type?: 'worker' | 'all' };
  task: (ctx: WorkerTaskContext, args: Args) => unknown;
}): TaskFile<Args>;
export function defineTask<Args>(file: TaskFile<Args>): TaskFile<Args> {
  return file;
}

/**
 * True for an error Brood raised: a {@link BroodError}, whose `code` is an
 * `ERR_BROOD_*` code listed in docs/errors.md — a messenger request that
 * timed out (`ERR_BROOD_REQUEST_TIMEOUT`), a target that died
 * (`ERR_BROOD_TARGET_GONE`)…
 *
 * Use it, or match on `code`, rather than `instanceof`: the agent and the
 * workers run Brood from a bundle of their own, so an error they raise is
 * not an instance of the class an app imports.
 *
 * ```ts
 * try {
 *   await app.messenger.request('agent', 'stats:get', undefined, { timeout: 1000 });
 * } catch (error) {
 *   if (isBroodError(error) && error.code === 'ERR_BROOD_REQUEST_TIMEOUT') return cached;
 *   throw error;
 * }
 * ```
 */
export function isBroodError(error: unknown): error is BroodError {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('ERR_BROOD_');
}

/** A running cluster started from code. */
export interface Cluster {
  master: Master;
  info: StartedInfo;
  /** Stops gracefully; resolves when every process is gone. */
  stop(): Promise<void>;
}

/**
 * Starts a cluster from code, as `brood start` does, and resolves once
 * every worker serves. With `signals: true` (the CLI's choice) SIGTERM,
 * SIGINT and SIGQUIT stop it.
 */
export async function start(options: MasterOptions & { signals?: boolean } = {}): Promise<Cluster> {
  const { signals, ...rest } = options;
  // Loaded here, not at the top: app code imports this module for its
  // define* helpers and types, and must not pay for the master's modules.
  const { handleSignals } = await import('@brood/master');
  const { createMaster } = await import('./create-master.js');
  const master = await createMaster(rest);
  if (signals === true) handleSignals(master);
  const info = await master.start();
  return { master, info, stop: () => master.stop() };
}
