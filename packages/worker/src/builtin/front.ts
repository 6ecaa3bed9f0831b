import type { Logger } from '@brood/core';
import type { Middleware } from 'koa';
import { type BodyParserOptions, bodyParser } from './body-parser.js';
import { type ErrorHandlerOptions, errorResponder } from './error-handler.js';
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
 * The enabled built-ins — request id, error handler, body parser, in that
 * order — as one koa middleware. Each koa middleware layer costs every
 * request a dispatch and a promise; folding the three into one layer kept
 * hello-world throughput within budget (bench/http.bench.mjs).
 */
export function builtins(options: BuiltinOptions, context: { env: string; logger: Logger }): Middleware | undefined {
  const assignId = options.requestId?.enable === false ? undefined : requestIdStep(options.requestId);
  const handle = options.errorHandler?.enable === false ? undefined : errorResponder(context);
  const parse = options.bodyParser?.enable === false ? undefined : bodyParser(options.bodyParser);
  if (assignId === undefined && handle === undefined && parse === undefined) return undefined;
  const downstream: Middleware =
    parse === undefined ? (_ctx, next) => next() : (ctx, next) => (WITH_BODY.has(ctx.req.method as string) ? parse(ctx, next) : next());
  if (handle === undefined) {
    return (ctx, next) => {
      assignId?.(ctx);
      return downstream(ctx, next);
    };
  }
  return (ctx, next) => {
    assignId?.(ctx);
    let pending: Promise<unknown>;
    try {
      pending = downstream(ctx, next) as Promise<unknown>;
    } catch (thrown) {
      handle(ctx, thrown);
      return Promise.resolve();
    }
    // One promise per request instead of an async function's two.
    return pending.then(
      () => {
        // No route answered: the same formatted 404 as ctx.throw(404).
        if (ctx.res.statusCode === 404 && ctx.body == null)
          handle(ctx, Object.assign(new Error('Not Found'), { status: 404, expose: true }));
      },
      (thrown: unknown) => handle(ctx, thrown),
    );
  };
}
