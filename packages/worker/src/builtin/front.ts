import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@brood/core';
import type Koa from 'koa';
import { matched, matchedAssigner, matchedListener, refuseErrorHandlerMatch } from '../middleware-match.js';
import { type AccessLogOptions, accessLogOn, withAccessLog } from './access-log.js';
import { type BodyParserOptions, bodyParser } from './body-parser.js';
import { type ErrorHandlerOptions, installErrorHandler } from './error-handler.js';
import { installRequestId, type RequestIdOptions, requestIdAssigner } from './request-id.js';

/** The config sections of the built-in middleware. */
export interface BuiltinOptions {
  accessLog?: AccessLogOptions;
  requestId?: RequestIdOptions;
  errorHandler?: ErrorHandlerOptions;
  bodyParser?: BodyParserOptions;
}

/** Methods whose requests carry a body worth parsing. */
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Installs the enabled built-ins so that a request crosses as few koa
 * layers as possible — each costs every request a dispatch and a promise
 * (bench/http.bench.mjs):
 * - the request id is given on Node's request, before koa;
 * - the error handler answers through koa's `ctx.onerror`, with
 *   `notFound` after the router for requests no route answered;
 * - the body parser runs only for POST, PUT and PATCH: those go through a
 *   second koa chain that starts with it;
 * - the access log, when on, wraps the listener from outside, so that when
 *   it is off no request carries any of it.
 *
 * Call it before the app's own middleware is added; call `handler()` once
 * everything, router included, is: it returns the server's request listener.
 */
export function builtins(koa: Koa, options: BuiltinOptions, context: { env: string; logger: Logger }): { handler(): Listener } {
  refuseErrorHandlerMatch(options.errorHandler);
  if (options.errorHandler?.enable !== false) installErrorHandler(koa, { ...context, requestIdHeader: options.requestId?.header });
  const assignId =
    options.requestId?.enable === false ? undefined : matchedAssigner(requestIdAssigner(options.requestId), options.requestId);
  if (assignId !== undefined) installRequestId(koa);
  const parse =
    options.bodyParser?.enable === false ? undefined : matched('bodyParser', bodyParser(options.bodyParser), options.bodyParser);
  const accessLog = accessLogOn(options.accessLog, context.env);
  return {
    handler() {
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
      return accessLog ? matchedListener('accessLog', withAccessLog(handle, context.logger), handle, options.accessLog) : handle;
    },
  };
}
