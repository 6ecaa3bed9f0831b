import { randomUUID } from 'node:crypto';
import type { Context, Middleware } from 'koa';

/** Options of the request-id middleware (`config.requestId`). */
export interface RequestIdOptions {
  /** Default true. */
  enable?: boolean;
  /** The header read from the request and set on the response. Default `x-request-id`. */
  header?: string;
}

/** An id a client or proxy may hand us: short, printable, no spaces or quotes. */
const SANE = /^[A-Za-z0-9._:-]{1,200}$/;

declare module 'koa' {
  interface DefaultContext {
    /** The request's id: the incoming `x-request-id` when sane, else a new UUID. */
    requestId: string;
  }
}

/**
 * Gives every request an id: the one a proxy sent in `x-request-id` when
 * it looks like an id, else a fresh UUID. It is `ctx.requestId`,
 * `ctx.state.requestId`, in the response header, and in every `ctx.logger` line.
 */
export function requestId(options: RequestIdOptions = {}): Middleware {
  const assign = requestIdStep(options);
  return (ctx, next) => {
    assign(ctx);
    return next();
  };
}

/** The work of {@link requestId} without the middleware around it, for the combined built-ins. */
export function requestIdStep(options: RequestIdOptions = {}): (ctx: Context) => void {
  const header = (options.header ?? 'x-request-id').toLowerCase();
  // Straight to Node's request and response: koa's ctx.get/ctx.set add
  // lookups that showed in hello-world throughput (bench/http.bench.mjs).
  return (ctx) => {
    const incoming = ctx.req.headers[header];
    const id = typeof incoming === 'string' && SANE.test(incoming) ? incoming : randomUUID();
    ctx.requestId = id;
    ctx.state.requestId = id;
    ctx.res.setHeader(header, id);
  };
}
