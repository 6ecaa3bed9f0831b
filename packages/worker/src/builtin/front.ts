import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@brood/core';
import type Router from '@koa/router';
import type Koa from 'koa';
import { matched, matchedListener, nodeRequestMatcher, refuseErrorHandlerMatch } from '../middleware-match.js';
import { type AccessLogOptions, accessLogOn, withAccessLog } from './access-log.js';
import { type BodyParserOptions, bodyParser } from './body-parser.js';
import { allowedMethodsOr404, type ErrorHandlerOptions, installErrorHandler } from './error-handler.js';
import { installRequestId, type RequestIdOptions, requestIdHeader, requestIds } from './request-id.js';

/** The config sections of the built-in middleware. */
export interface BuiltinOptions {
  accessLog?: AccessLogOptions;
  requestId?: RequestIdOptions;
  errorHandler?: ErrorHandlerOptions;
  bodyParser?: BodyParserOptions;
}

/** Node's request listener. */
export type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** The front of a worker's koa app: see {@link builtins}. */
export interface Front {
  /** Adds the router (and the formatted 404) after everything else and returns the server's request listener. */
  handler(router?: Router): Listener;
}

/** Methods whose requests carry a body worth parsing. */
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Installs the enabled built-ins so that a GET a route answers crosses the
 * same koa layers as in a bare koa app, and no function of Brood's but one
 * (bench/request-path.mjs: CPU time and bytes per request against koa):
 * - the request id is made the first time something reads `ctx.requestId`,
 *   and with `requestId.echo` given on Node's request, before koa;
 * - the error handler answers through koa's `ctx.onerror`, and the formatted
 *   404 comes from the router's `allowedMethods()` layer;
 * - the body parser runs only for POST, PUT and PATCH: those go through a
 *   second koa chain that starts with it;
 * - the access log, when on, wraps the listener from outside, so that when
 *   it is off no request carries any of it.
 *
 * Call it before the app's own middleware is added; call `handler(router)`
 * once everything else is: it returns the server's request listener.
 */
export function builtins(koa: Koa, options: BuiltinOptions, context: { env: string; logger: Logger }): Front {
  refuseErrorHandlerMatch(options.errorHandler);
  const errors = options.errorHandler?.enable !== false;
  const ids =
    options.requestId?.enable === false ? undefined : requestIds(options.requestId, nodeRequestMatcher('requestId', options.requestId));
  if (errors) installErrorHandler(koa, { ...context, requestIdHeader: requestIdHeader(options.requestId) });
  if (ids !== undefined) installRequestId(koa, ids);
  const assignId = ids?.assign;
  const parse =
    options.bodyParser?.enable === false ? undefined : matched('bodyParser', bodyParser(options.bodyParser), options.bodyParser);
  const accessLog = accessLogOn(options.accessLog, context.env);
  return {
    handler(router) {
      const allowed = router?.allowedMethods() as Koa.Middleware | undefined;
      if (router !== undefined) koa.use(router.routes());
      if (errors) koa.use(allowedMethodsOr404(allowed));
      else if (allowed !== undefined) koa.use(allowed);
      // koa-compose reads its array at every request: each chain gets a copy of its own.
      const chain = [...koa.middleware];
      koa.middleware = chain;
      const plain = koa.callback();
      let handle: Listener = plain;
      if (parse !== undefined) {
        koa.middleware = [parse, ...chain];
        const withBody = koa.callback();
        handle = (req, res) => (WITH_BODY.has(req.method as string) ? withBody : plain)(req, res);
      }
      if (assignId !== undefined) {
        const withoutId = handle;
        handle = (req, res) => {
          assignId(req, res);
          withoutId(req, res);
        };
      }
      // Under its match / ignore, the requests it leaves out take the listener without it.
      return accessLog ? matchedListener('accessLog', withAccessLog(handle, context.logger, ids?.of), handle, options.accessLog) : handle;
    },
  };
}
