import { type BaseApplication, deepMerge } from '@brood/core';
import { broodError, ERR } from '@brood/errors';
import { mockServiceMethod, type WorkerApplication } from '@brood/worker';

/**
 * The mocks of a test app, and how to undo each: a service method replaced
 * on its class's prototype, the config replaced by a copy with the override
 * merged in.
 */
export class Mocks {
  readonly #undo: Array<() => void> = [];

  /** Replaces `method` of the service named `name` with `fn` (see mockServiceMethod of @brood/worker). */
  service(app: WorkerApplication, name: string, method: string, fn: unknown): void {
    this.#undo.push(mockServiceMethod(app, name, method, fn));
  }

  /** Merges `override` over the config of each application, as it is now. */
  config(apps: BaseApplication[], override: Record<string, unknown>): void {
    if (typeof override !== 'object' || override === null || Array.isArray(override)) {
      const got = Array.isArray(override) ? 'an array' : String(override);
      throw broodError(ERR.MOCK_INVALID, `mockConfig takes an object to merge over the config, got ${got}`);
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
