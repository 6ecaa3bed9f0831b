import { broodError, ERR, messageOf } from '@brood/errors';

/** The hooks an `app.ts` or `agent.ts` may define, in the order they run. */
export interface LifecycleHooks {
  /** Config files are loaded; `app.config` may still be changed. */
  configWillLoad?(): void | Promise<void>;
  /** Config is final. */
  configDidLoad?(): void | Promise<void>;
  /** Every file of the app is loaded. */
  didLoad?(): void | Promise<void>;
  /** Last work before the process reports ready: warm caches, open connections. */
  willReady?(): void | Promise<void>;
  /** The process is ready (a worker is about to listen). */
  didReady?(): void | Promise<void>;
  /** Every worker listens: the application serves. */
  serverDidReady?(): void | Promise<void>;
  /** The process is closing: release what you hold. */
  beforeClose?(): void | Promise<void>;
}

/** The names of the hooks, in the order they run. */
export const HOOK_ORDER = ['configWillLoad', 'configDidLoad', 'didLoad', 'willReady', 'didReady', 'serverDidReady', 'beforeClose'] as const;

export type HookName = (typeof HOOK_ORDER)[number];

/**
 * What `app.ts` / `agent.ts` export by default: hooks, a function of the
 * application returning hooks, or a class constructed with the application.
 */
export type BootExport<T> =
  | LifecycleHooks
  | ((app: T) => LifecycleHooks | void | Promise<LifecycleHooks | void>)
  | (new (
      app: T,
    ) => LifecycleHooks);

/** True for a class, as opposed to a plain function: `class X {}` is constructed, a function is called. */
export const isClass = <C = new (app: unknown) => LifecycleHooks>(fn: unknown): fn is C =>
  typeof fn === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(fn));

/** Runs one boot file's hooks in order, remembering which one is running. */
export class Lifecycle {
  /** The file the hooks come from, as the user wrote it (`app.ts`). */
  file: string;
  #hooks: LifecycleHooks = {};
  /** The hook that is running now, for timeout messages. */
  current: HookName | undefined;

  constructor(file: string) {
    this.file = file;
  }

  /** Turns a boot file's default export into hooks. */
  async init<T>(exported: unknown, app: T): Promise<void> {
    if (exported === undefined || exported === null) return;
    try {
      if (isClass(exported)) this.#hooks = new exported(app);
      else if (typeof exported === 'function') this.#hooks = ((await exported(app)) as LifecycleHooks | undefined) ?? {};
      else if (typeof exported === 'object') this.#hooks = exported as LifecycleHooks;
      else throw new TypeError(`default export is a ${typeof exported}, expected hooks, a function or a class`);
    } catch (error) {
      throw broodError(ERR.HOOK_FAILED, `${this.file} threw while starting: ${messageOf(error)}`, error);
    }
  }

  /** Runs one hook; a throw becomes an error naming the file and the hook. */
  async run(name: HookName): Promise<void> {
    const hook = this.#hooks[name];
    if (typeof hook !== 'function') return;
    this.current = name;
    try {
      await hook.call(this.#hooks);
    } catch (error) {
      throw broodError(ERR.HOOK_FAILED, `${this.file} ${name} failed: ${messageOf(error)}`, error);
    } finally {
      this.current = undefined;
    }
  }
}
