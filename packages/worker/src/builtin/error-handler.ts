import { STATUS_CODES } from 'node:http';
import type { Logger } from '@brood/core';
import type Koa from 'koa';
import type { Context, Middleware } from 'koa';

/** Options of the error handler (`config.errorHandler`). */
export interface ErrorHandlerOptions {
  /** Default true. */
  enable?: boolean;
}

interface HttpishError extends Error {
  status?: number;
  statusCode?: number;
  expose?: boolean;
  code?: string;
  headers?: Record<string, string>;
}

/** What a client receives for a failed request. */
export interface ErrorBody {
  error: { status: number; message: string; code?: string; requestId?: string; stack?: string };
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

function statusOf(error: HttpishError): number {
  const status = error.status ?? error.statusCode;
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : 500;
}

function page(body: ErrorBody): string {
  const { status, message, requestId, stack } = body.error;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${status} ${escapeHtml(STATUS_CODES[status] ?? 'Error')}</title></head>
<body><h1>${status} ${escapeHtml(STATUS_CODES[status] ?? 'Error')}</h1><p>${escapeHtml(message)}</p>${
    requestId === undefined ? '' : `<p><small>request id ${escapeHtml(requestId)}</small></p>`
  }${stack === undefined ? '' : `<pre>${escapeHtml(stack)}</pre>`}</body></html>
`;
}

/** Options of the error responses: `env` decides what a 5xx shows, `requestIdHeader` carries the request id on them. */
interface ResponderOptions {
  env: string;
  logger: Logger;
  requestIdHeader?: string | undefined;
}

/**
 * Turns a thrown error (and a route that matched nothing) into one
 * response: JSON, or HTML when the client prefers it. 4xx messages are
 * shown (`ctx.throw(404, 'no such todo')`); a 5xx shows its message and
 * stack outside production and only the status text in production (`env`
 * `prod`). Each 5xx is logged once, with its cause and stack.
 */
export function errorResponder(options: ResponderOptions): (ctx: Context, thrown: unknown) => void {
  const production = options.env === 'prod';
  // Kept on an error response: the request id (whatever `config.requestId.header` names it) and `vary`.
  const idHeader = (options.requestIdHeader ?? 'x-request-id').toLowerCase();
  const keep = [idHeader, 'vary'];
  return (ctx, thrown) => {
    {
      const error: HttpishError = thrown instanceof Error ? thrown : new Error(String(thrown));
      if (ctx.headerSent || !ctx.writable) {
        options.logger.error(
          { err: error, requestId: ctx.requestId, method: ctx.method, path: ctx.path },
          `${ctx.method} ${ctx.path} failed after its response began: ${error.message}`,
        );
        return;
      }
      const status = statusOf(error);
      const exposed = status < 500 ? error.expose !== false : error.expose === true;
      const message = exposed || !production ? error.message || (STATUS_CODES[status] ?? 'Error') : (STATUS_CODES[status] ?? 'Error');
      const body: ErrorBody = { error: { status, message } };
      if (typeof error.code === 'string' && (exposed || !production)) body.error.code = error.code;
      if (typeof ctx.requestId === 'string') body.error.requestId = ctx.requestId;
      if (!production && status >= 500 && error.stack !== undefined) body.error.stack = error.stack;
      if (status >= 500) {
        options.logger.error(
          { err: error, requestId: ctx.requestId, method: ctx.method, path: ctx.path, status },
          `${ctx.method} ${ctx.path} failed: ${error.message}`,
        );
      }
      respond(ctx, status, body, error.headers, keep);
      // The id is on every error response, where the client needs it to report the failure.
      if (typeof ctx.requestId === 'string') ctx.set(idHeader, ctx.requestId);
    }
  };
}

/**
 * Answers errors through koa's own `ctx.onerror` instead of a middleware
 * layer: koa calls it when the middleware chain rejects, so successful
 * requests pay nothing for error handling. It writes the formatted response
 * itself, as koa's default does.
 */
export function installErrorHandler(koa: Koa, options: ResponderOptions): void {
  const handle = errorResponder(options);
  koa.context.onerror = function onerror(this: Context, thrown: unknown) {
    if (thrown == null) return;
    handle(this, thrown);
    if (this.headerSent || !this.writable) return;
    const text = typeof this.body === 'string' ? this.body : JSON.stringify(this.body);
    this.length = Buffer.byteLength(text);
    this.res.end(text);
  };
}

/**
 * The router's `allowedMethods()` layer, which also gives a request no
 * route answered the formatted 404: one koa layer after the router, as a
 * bare koa app has, instead of a 404 layer of its own. A request a route
 * answers never reaches it. Without a router, the 404 alone.
 */
export function allowedMethodsOr404(allowedMethods?: Middleware): Middleware {
  return async (ctx, next) => {
    await (allowedMethods === undefined ? next() : allowedMethods(ctx, next));
    if (ctx.body == null && ctx.res.statusCode === 404) ctx.throw(404);
  };
}

function respond(ctx: Context, status: number, body: ErrorBody, headers: Record<string, string> | undefined, keep: string[]): void {
  // Headers a handler set for a success do not belong on the error (content length, caching).
  for (const name of Object.keys(ctx.response.headers)) {
    if (!keep.includes(name)) ctx.remove(name);
  }
  if (headers !== undefined) ctx.set(headers);
  ctx.status = status;
  if (ctx.accepts('json', 'html') === 'html') {
    ctx.type = 'html';
    ctx.body = page(body);
  } else {
    ctx.body = body;
  }
}
