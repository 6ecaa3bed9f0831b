import type { Logger } from '@brood/core';
import type Koa from 'koa';

const CACHE = Symbol('brood.ctxLogger');

declare module 'koa' {
  interface DefaultContext {
    /** The app logger with this request's id, method and path on every line. Made on first use. */
    logger: Logger;
  }
}

/**
 * Defines `ctx.logger`: a pino child of the worker's logger carrying the
 * request id, method and path. It is made the first time a request reads
 * it, so requests that never log pay nothing.
 */
export function installContextLogger(koa: Koa, logger: Logger): void {
  Object.defineProperty(koa.context, 'logger', {
    configurable: true,
    get(this: Koa.Context & { [CACHE]?: Logger }) {
      this[CACHE] ??= logger.child({ requestId: this.requestId, method: this.method, path: this.path });
      return this[CACHE];
    },
  });
}
