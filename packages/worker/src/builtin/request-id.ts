import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Koa from 'koa';

/** Options of the request id (`config.requestId`). */
export interface RequestIdOptions {
  /** Default true. */
  enable?: boolean;
  /** The header read from the request and set on the response. Default `x-request-id`. */
  header?: string;
}

/** An id a client or proxy may hand us: short, printable, no spaces or quotes. */
const SANE = /^[A-Za-z0-9._:-]{1,200}$/;

/** Where a request's id is kept on Node's request object. */
const REQUEST_ID = Symbol.for('brood.requestId');

declare module 'koa' {
  interface DefaultContext {
    /** The request's id: the incoming `x-request-id` when sane, else a new UUID. */
    requestId: string;
  }
}

/**
 * Gives a request its id — the one a proxy sent in `x-request-id` when it
 * looks like an id, else a fresh UUID — and sets the response header. It
 * works on Node's request and response, before koa: it costs no middleware
 * layer (bench/http.bench.mjs).
 */
export function requestIdAssigner(options: RequestIdOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const header = (options.header ?? 'x-request-id').toLowerCase();
  return (req, res) => {
    const incoming = req.headers[header];
    const id = typeof incoming === 'string' && SANE.test(incoming) ? incoming : randomUUID();
    (req as IncomingMessage & { [REQUEST_ID]?: string })[REQUEST_ID] = id;
    res.setHeader(header, id);
  };
}

/** The id given to a request; undefined when request ids are off. */
export function requestIdOf(req: IncomingMessage): string | undefined {
  return (req as IncomingMessage & { [REQUEST_ID]?: string })[REQUEST_ID];
}

/** Defines `ctx.requestId`, read from the request the id was given to. */
export function installRequestId(koa: Koa): void {
  Object.defineProperty(koa.context, 'requestId', {
    configurable: true,
    get(this: Koa.Context) {
      return requestIdOf(this.req);
    },
  });
}
