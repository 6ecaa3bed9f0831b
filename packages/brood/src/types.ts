import type { AgentApplication } from '@brood/agent';
import type { LifecycleHooks, ScheduleOptions } from '@brood/core';
import type { Messenger, RunResult, TaskClaim } from '@brood/messenger';
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

/**
 * Where a middleware runs (`match`) or does not (`ignore`), as Egg's
 * egg-path-matching: a path prefix (`'/api'` matches `/api` and `/api/…`,
 * not `/apis`), a RegExp tested on `ctx.path`, a function of the context,
 * or an array of these (any one matching is enough). See docs/middleware.md.
 */
export type PathMatch = string | RegExp | ((ctx: Context) => boolean) | Array<string | RegExp | ((ctx: Context) => boolean)>;

/** The options every middleware takes beside its own: `enable`, and one of `match` or `ignore`. */
export interface MiddlewareSwitches {
  /** `false` switches the middleware off: its file is not even loaded. Default true. */
  enable?: boolean;
  /** Run only for the requests this matches. */
  match?: PathMatch;
  /** Run for every request but those this matches. */
  ignore?: PathMatch;
}

/** The config keys Brood itself reads; see docs/configuration.md and docs/middleware.md. */
export interface BroodConfig {
  /** The app's own middleware from app/middleware, in order: `'apiKey'` is `app/middleware/api-key.ts` or `apiKey.ts`. */
  middleware?: string[];
  /**
   * The keys that sign cookies (`ctx.cookies.set(name, value, { signed: true })`):
   * an array, newest first, or a comma-separated string. Required for signed cookies.
   */
  keys?: string | string[];
  /**
   * The request id; `echo: true` sets its header on every response, not only on errors;
   * `match`/`ignore` take paths and RegExps only (they are tested on Node's request, before koa).
   */
  requestId?: {
    enable?: boolean;
    header?: string;
    echo?: boolean;
    match?: string | RegExp | Array<string | RegExp>;
    ignore?: string | RegExp | Array<string | RegExp>;
  };
  /** One line per request (method, path, status, ms, request id). Default: on in env `local`, off elsewhere. */
  accessLog?: {
    enable?: boolean;
    match?: string | RegExp | Array<string | RegExp>;
    ignore?: string | RegExp | Array<string | RegExp>;
  };
  /** The error handler answers every request: it takes `enable` only. */
  errorHandler?: { enable?: boolean };
  bodyParser?: MiddlewareSwitches & {
    jsonLimit?: string | number;
    formLimit?: string | number;
    enableTypes?: Array<'json' | 'form'>;
  };
  /** Trust X-Forwarded-* headers from a proxy in front. */
  proxy?: boolean;
  maxIpsCount?: number;
  proxyIpHeader?: string;
}

/**
 * What a config file may hold: Brood's own keys, checked, and any key of
 * the app's. The index signature is what lets a config of app keys alone
 * (`{ shorty: { … } }`) type-check: without it `BroodConfig`, whose keys
 * are all optional, is a "weak type" that an object sharing none of its
 * keys is not assignable to.
 */
export type ConfigShape = BroodConfig & { [key: string]: unknown };

/** What `app/extend/application.ts` adds to the worker application. Filled by the generated typings/brood.d.ts. */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the generated typings
export interface ApplicationExtension {}

/** What `app/extend/agent.ts` adds to the agent. Filled by the generated typings/brood.d.ts. */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the generated typings
export interface AgentExtension {}

/** What `app/extend/context.ts` adds to every `ctx`. Filled by the generated typings/brood.d.ts. */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the generated typings
export interface ContextExtension {}

/** What `app/extend/request.ts` adds to every `ctx.request`. Filled by the generated typings/brood.d.ts. */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the generated typings
export interface RequestExtension {}

/** What `app/extend/response.ts` adds to every `ctx.response`. Filled by the generated typings/brood.d.ts. */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the generated typings
export interface ResponseExtension {}

/** The functions of `app/extend/helper.ts`, as `ctx.helper` has them. Filled by the generated typings/brood.d.ts. */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the generated typings
export interface HelperExtension {}

/**
 * The app's scheduled tasks by name (`cleanup/old-files`), each with the
 * type of its arguments: the second parameter of its `task(ctx, args)`,
 * `undefined` for a task that takes none. Filled by the generated
 * typings/brood.d.ts.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by the generated typings
export interface Tasks {}

/** The arguments of a task module's `task(ctx, args)`; `undefined` when it takes none. */
export type TaskArgsOf<M> = M extends { default: { task: infer F } }
  ? SecondParameter<F>
  : M extends { task: infer F }
    ? SecondParameter<F>
    : undefined;

type SecondParameter<F> = F extends (...args: infer P) => unknown
  ? P extends [unknown, ...infer Rest]
    ? Rest extends []
      ? undefined
      : Rest[0]
    : undefined
  : undefined;

/** A task name: one of {@link Tasks}, or any string when the app has no typings yet. */
export type TaskName = [keyof Tasks] extends [never] ? string : keyof Tasks & string;

/** What `runTask(name, args)` takes after the name: the task's arguments, optional when it needs none. */
export type TaskArgs<K extends string> = [keyof Tasks] extends [never]
  ? [args?: unknown]
  : K extends keyof Tasks
    ? undefined extends Tasks[K]
      ? [args?: Tasks[K]]
      : [args: Tasks[K]]
    : never;

/**
 * `app.runTask(name, args?)` (agent and workers): runs a scheduled task
 * now, wherever its type says, and resolves with its outcome once the run
 * is over (`{ name, outcome, ms, error? }`). A name that is not a task of
 * the app, or arguments of the wrong type, are compile errors.
 */
export type RunTask = <K extends TaskName>(name: K, ...args: TaskArgs<K>) => Promise<RunResult>;

/** The properties an extension file's default export adds. */
export type ExtensionOf<M> = M extends { default: infer D } ? D : Record<never, never>;

/** The messenger as the app sees it: typed by {@link Actions}. */
export type AppMessenger = Messenger<Actions>;

/** The agent application `agent.ts` receives. */
export type Agent = Omit<AgentApplication, 'messenger' | 'config' | 'cluster' | '_close' | 'runTask'> & {
  readonly messenger: AppMessenger;
  config: BroodConfig & AppConfig;
  /** Runs a scheduled task now, with `args` for its second parameter: see {@link RunTask}. */
  runTask: RunTask;
} & AgentExtension;

/**
 * The worker application `app.ts`, `app/router.ts` and middleware receive
 * (the {@link WorkerApplication} class, typed for this app): `app.koa` is
 * the koa application, `app.use(mw)` adds a koa middleware, `app.router`
 * the @koa/router instance, `app.server` the HTTP server once the worker
 * listens.
 */
export type Application = Omit<WorkerApplication, 'messenger' | 'config' | 'controller' | 'runTask'> & {
  readonly messenger: AppMessenger;
  config: BroodConfig & AppConfig;
  controller: Controllers;
  /** Runs a scheduled task now, with `args` for its second parameter: see {@link RunTask}. */
  runTask: RunTask;
} & ApplicationExtension;

/**
 * `ctx.helper`: made on first use in a request; the functions of
 * `app/extend/helper.ts` run with `this.ctx` and `this.app`.
 */
export interface Helper extends HelperExtension {
  /** The request's koa context. */
  readonly ctx: Context;
  /** The worker application. */
  readonly app: Application;
}

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
  interface DefaultContext extends ContextExtension {
    /** The app's services, one instance per request, made on first use. */
    service: Services;
    /** The Brood application (config, messenger, logger); `ctx.app` stays koa's. */
    application: Application;
    /** The functions of `app/extend/helper.ts`, with `this.ctx` and `this.app`. */
    helper: Helper;
  }
  /** koa's request (`ctx.request`), with what `app/extend/request.ts` adds. */
  interface Request extends RequestExtension {}
  /** koa's response (`ctx.response`), with what `app/extend/response.ts` adds. */
  interface Response extends ResponseExtension {}
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

/**
 * A task file's default export: its schedule and what it does. Worker tasks
 * get a koa context, as a request would; `args` is what a run asked for by
 * name passes (`app.runTask(name, args)`, `brood run-task name --data`),
 * `undefined` for a tick.
 */
export type TaskFile<Args = undefined> =
  | { schedule: ScheduleOptions & { type: 'agent' }; task: (ctx: AgentTaskContext, args: Args) => unknown }
  | { schedule: ScheduleOptions & { type?: 'worker' | 'all' }; task: (ctx: WorkerTaskContext, args: Args) => unknown };
