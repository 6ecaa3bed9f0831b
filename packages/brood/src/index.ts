/**
 * Brood's public API: the types an app is written against, the `define*`
 * helpers that give `agent.ts`, `app.ts` and `app/router.ts` their types,
 * and `start()` to run a cluster from code.
 */
import type { AgentApplication } from '@brood/agent';
import type { LifecycleHooks } from '@brood/core';
import type { Master, MasterOptions, StartedInfo } from '@brood/master';
import type { Messenger } from '@brood/messenger';
import type { WorkerApplication } from '@brood/worker';

export type { LifecycleHooks } from '@brood/core';
export type { MasterOptions, SchedulingPolicy, StartedInfo } from '@brood/master';
export type { MessageMeta, Peers, RequestTarget, Sender } from '@brood/messenger';

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

/** The messenger as the app sees it: typed by {@link Actions}. */
export type AppMessenger = Messenger<Actions>;

/** The agent application `agent.ts` receives. */
export type Agent = Omit<AgentApplication, 'messenger'> & { readonly messenger: AppMessenger };

/** The worker application `app.ts` and `app/router.ts` receive. */
export type Application = Omit<WorkerApplication, 'messenger'> & { readonly messenger: AppMessenger };

/** The @koa/router instance routes are declared on. */
export type Router = WorkerApplication['router'];

/** What a boot file's function returns: the hooks it wants run, or nothing. */
export type Boot<T> = (target: T) => LifecycleHooks | undefined | void | Promise<LifecycleHooks | undefined | void>;

/** Types `agent.ts`: `export default defineAgent((agent) => { … return { didLoad() {} } })`. */
export function defineAgent(boot: Boot<Agent>): Boot<Agent> {
  return boot;
}

/** Types `app.ts`: `export default defineApp((app) => ({ willReady() {} }))`. */
export function defineApp(boot: Boot<Application>): Boot<Application> {
  return boot;
}

/** Types `app/router.ts`: `export default defineRouter((router, app) => { router.get('/', …) })`. */
export function defineRouter(routes: (router: Router, app: Application) => void | Promise<void>) {
  return routes;
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
  const { handleSignals, Master } = await import('@brood/master');
  const master = new Master(rest);
  if (signals === true) handleSignals(master);
  const info = await master.start();
  return { master, info, stop: () => master.stop() };
}
