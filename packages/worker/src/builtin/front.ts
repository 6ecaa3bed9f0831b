import type { Logger } from '@brood/core';
import type Koa from 'koa';
import type { Middleware } from 'koa';
import { type BodyParserOptions, bodyParser } from './body-parser.js';
import { type ErrorHandlerOptions, installErrorHandler } from './error-handler.js';
import { type RequestIdOptions, requestIdStep } from './request-id.js';

/** The config sections of the built-in middleware. */
export interface BuiltinOptions {
  requestId?: RequestIdOptions;
  errorHandler?: ErrorHandlerOptions;
  bodyParser?: BodyParserOptions;
}

/** Methods whose requests carry a body worth parsing. */
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Installs the enabled built-ins — request id, error handler, body parser —
 * and returns the one middleware layer they need in front of the app's own
 * (undefined when none is needed). Each koa layer costs every request a
 * dispatch and a promise, so the error handler takes no layer at all: it
 * answers through koa's `ctx.onerror`, with `notFound` after the router for
 * requests no route answered (bench/http.bench.mjs).
 */
export function builtins(koa: Koa, options: BuiltinOptions, context: { env: string; logger: Logger }): Middleware | undefined {
  if (options.errorHandler?.enable !== false) installErrorHandler(koa, context);
  const assignId = options.requestId?.enable === false ? undefined : requestIdStep(options.requestId);
  const parse = options.bodyParser?.enable === false ? undefined : bodyParser(options.bodyParser);
  if (assignId === undefined && parse === undefined) return undefined;
  if (parse === undefined) {
    return (ctx, next) => {
      assignId?.(ctx);
      return next();
    };
  }
  return (ctx, next) => {
    assignId?.(ctx);
    return WITH_BODY.has(ctx.req.method as string) ? parse(ctx, next) : next();
  };
}
