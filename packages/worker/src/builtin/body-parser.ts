import { createRequire } from 'node:module';
import type { Middleware } from 'koa';

/** Options of the body parser (`config.bodyParser`). */
export interface BodyParserOptions {
  /** Default true. */
  enable?: boolean;
  /** Largest JSON body; bigger is a 413. Default `1mb`. */
  jsonLimit?: string | number;
  /** Largest urlencoded form body; bigger is a 413. Default `56kb`. */
  formLimit?: string | number;
  /** Which bodies to parse. Default `['json', 'form']`. */
  enableTypes?: Array<'json' | 'form'>;
}

declare module 'koa' {
  interface Request {
    /** The parsed JSON or form body of a POST, PUT or PATCH; `{}` when there was none. */
    body?: unknown;
  }
}

interface ParseError extends Error {
  status?: number;
  type?: string;
}

/**
 * Parses JSON and form bodies of POST, PUT and PATCH into
 * `ctx.request.body` through @koa/bodyparser, with size limits: over the
 * limit is a 413, malformed JSON a 400 that says what is wrong. Other
 * requests pass through untouched.
 */
export function bodyParser(options: BodyParserOptions = {}): Middleware {
  const jsonLimit = options.jsonLimit ?? '1mb';
  const formLimit = options.formLimit ?? '56kb';
  // Loaded on the first request with a body: @koa/bodyparser and its decoders
  // are the largest part of a worker's code, and many apps never take a body.
  // Kept out of the worker's bundle, so boot does not pay to parse them.
  let parser: Promise<Middleware> | undefined;
  const load = async (): Promise<Middleware> => {
    const { bodyParser: koaBodyParser } = createRequire(import.meta.url)('@koa/bodyparser') as typeof import('@koa/bodyparser');
    return koaBodyParser({
      enableTypes: options.enableTypes ?? ['json', 'form'],
      jsonLimit,
      formLimit,
      onError(error: ParseError, ctx) {
        const limit = ctx.is('json') ? jsonLimit : formLimit;
        if (error.status === 413) ctx.throw(413, `request body is larger than the ${limit} limit`);
        if (error.status === 400 || error instanceof SyntaxError)
          ctx.throw(400, `invalid ${ctx.is('json') ? 'JSON' : 'form'} body: ${error.message}`);
        throw error;
      },
    }) as unknown as Middleware;
  };
  return async (ctx, next) => {
    parser ??= load();
    return (await parser)(ctx, next);
  };
}
