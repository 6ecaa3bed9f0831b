import { type BaseApplication, deepMerge } from '@brood/core';
import { broodError, ERR } from '@brood/errors';
import type { WorkerApplication } from '@brood/worker';

/** The methods an object has, own and inherited, `constructor` and accessors left out. */
function methodsOf(proto: object): string[] {
  const names = new Set<string>();
  for (let level: object | null = proto; level !== null && level !== Object.prototype; level = Object.getPrototypeOf(level)) {
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(level))) {
      if (name !== 'constructor' && typeof descriptor.value === 'function') names.add(name);
    }
  }
  return [...names].sort();
}

/**
 * The mocks of a test app, and how to undo each: a service method replaced
 * on its class's prototype (every instance, made before or after, uses it),
 * the config replaced by a copy with the override merged in.
 */
export class Mocks {
  readonly #undo: Array<() => void> = [];

  /** Replaces `method` of the service named `name` with `fn`; a name or method that does not exist throws ERR_BROOD_MOCK_INVALID. */
  service(app: WorkerApplication, name: string, method: string, fn: unknown): void {
    const found = app.serviceClasses.get(name);
    if (found === undefined) {
      const known = [...app.serviceClasses.keys()].sort().join(', ') || 'none: the app has no app/service';
      throw broodError(ERR.MOCK_INVALID, `mockService: no service ${name} (known: ${known})`);
    }
    const proto = found.prototype as object;
    const methods = methodsOf(proto);
    if (!methods.includes(method)) {
      throw broodError(ERR.MOCK_INVALID, `mockService: service ${name} has no method ${method} (it has: ${methods.join(', ') || 'none'})`);
    }
    if (typeof fn !== 'function') {
      throw broodError(ERR.MOCK_INVALID, `mockService: the mock of ${name}.${method} must be a function, got ${typeof fn}`);
    }
    const own = Object.getOwnPropertyDescriptor(proto, method);
    Object.defineProperty(proto, method, { value: fn, writable: true, configurable: true, enumerable: false });
    this.#undo.push(() => {
      if (own === undefined) Reflect.deleteProperty(proto, method);
      else Object.defineProperty(proto, method, own);
    });
  }

  /** Merges `override` over the config of each application, as it is now. */
  config(apps: BaseApplication[], override: Record<string, unknown>): void {
    if (typeof override !== 'object' || override === null || Array.isArray(override)) {
      throw broodError(
        ERR.MOCK_INVALID,
        `mockConfig takes an object to merge over the config, got ${Array.isArray(override) ? 'an array' : String(override)}`,
      );
    }
    for (const app of apps) {
      const before = app.config;
      app.config = deepMerge(before, override);
      this.#undo.push(() => {
        app.config = before;
      });
    }
  }

  /** Undoes every mock, the last first. */
  restore(): void {
    for (const undo of this.#undo.splice(0).reverse()) undo();
  }
}
