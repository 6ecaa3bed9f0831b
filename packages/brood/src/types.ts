import type { AgentApplication } from '@brood/agent';
import type { LifecycleHooks, ScheduleOptions } from '@brood/core';
import type { Messenger, TaskClaim } from '@brood/messenger';
import type { WorkerApplication } from '@brood/worker';
import type { Context, Middleware } from 'koa';
import type { Logger } from 'pino';

/**
 * The messenger actions of the app. Augment it to type every action and its
 * payload (and reply, for `request`) across agent and workers:
 *
 * ```ts
 * declare module 'brood' {
 *   interface Actions {
 *     'hello:whoami': { data: { from: number }; reply: { pid: number } };
 *   }
 * }
 * ```
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the user's declaration merging
export interface Actions {}

/** The app's own config, as `config/config.default.ts` returns it. Filled by the generated typings/brood.d.ts. */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the generated typings
export interface AppConfig {}

/** `app/controller/**` by name. Filled by the generated typings/brood.d.ts. */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the generated typings
export interface Controllers {}

/** `app/service/**` by name, as `ctx.service` holds them. Filled by the generated typings/brood.d.ts. */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the generated typings
export interface Services {}

/** The config keys Brood itself reads; see docs/configuration.md and docs/middleware.md. */
export interface BroodConfig {
  /** The app's own middleware from app/middleware, in order. */
  middleware?: string[];
  requestId?: { enable?: boolean; header?: string };
  /** One line per request (method, path, status, ms, request id). Default: on in env `local`, off elsewhere. */
  accessLog?: { enable?: boolean };
  errorHandler?: { enable?: boolean };
  bodyParser?: { enable?: boolean; jsonLimit?: string | number; formLimit?: string | number; enableTypes?: Array<'json' | 'form'> };
  /** Trust X-Forwarded-* headers from a proxy in front. */
  proxy?: boolean;
  maxIpsCount?: number;
  proxyIpHeader?: string;
}

/** The messenger as the app sees it: typed by {@link Actions}. */
export type AppMessenger = Messenger<Actions>;

/** The agent application `agent.ts` receives. */
export type Agent = Omit<AgentApplication, 'messenger' | 'config' | 'cluster' | '_close'> & {
  readonly messenger: AppMessenger;
  config: BroodConfig & AppConfig;
};

/** The worker application `app.ts`, `app/router.ts` and middleware receive. */
export type Application = Omit<WorkerApplication, 'messenger' | 'config' | 'controller'> & {
  readonly messenger: AppMessenger;
  config: BroodConfig & AppConfig;
  controller: Controllers;
};

/** The @koa/router instance routes are declared on. */
export type Router = WorkerApplication['router'];

/** What a boot file's function returns: the hooks it wants run, or nothing. */
export type Boot<T> = (target: T) => LifecycleHooks | undefined | void | Promise<LifecycleHooks | undefined | void>;

/** What `app/middleware/<name>.ts` exports by default: options from `config.<name>`. */
export type MiddlewareFactory<Options = Record<string, unknown>> = (options: Options, app: Application) => Middleware;

/** The config a config file returns, whether it exports an object or a function. */
export type ConfigOf<M> = M extends { default: infer D }
  ? D extends (...args: never[]) => infer R
    ? Awaited<R>
    : D
  : Record<never, never>;

type FunctionsOf<T> = { [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: T[K] };

/** The actions of a controller module: its exported functions, or those of its default object. */
export type ControllerOf<M> = Omit<FunctionsOf<M>, 'default'> & (M extends { default: infer D } ? FunctionsOf<D> : Record<never, never>);

declare module 'koa' {
  interface DefaultContext {
    /** The app's services, one instance per request, made on first use. */
    service: Services;
    /** The Brood application (config, messenger, logger); `ctx.app` stays koa's. */
    application: Application;
  }
}

/** What an agent task (`type: 'agent'`) receives. */
export interface AgentTaskContext {
  app: Agent;
  /** The agent's logger, with the task's name on every line. */
  logger: Logger;
  /** A cluster task's run (`scope: 'cluster'` in cluster mode): the claim it runs under, with its fencing token. */
  claim?: TaskClaim;
}

/** What a worker task (`type: 'worker'` or `'all'`) receives: a koa context, as a request would, and a cluster task's claim. */
export type WorkerTaskContext = Context & { claim?: TaskClaim };

/** A task file's default export: its schedule and what it does. */
export type TaskFile =
  | { schedule: ScheduleOptions & { type: 'agent' }; task: (ctx: AgentTaskContext) => unknown }
  | { schedule: ScheduleOptions & { type?: 'worker' | 'all' }; task: (ctx: WorkerTaskContext) => unknown };
