import type { IncomingMessage, ServerResponse } from 'node:http';
import { broodError, ERR } from '@brood/errors';
import type { Context, Middleware } from 'koa';

/** One rule of `match` / `ignore`: a path prefix, a RegExp on the path, or a function of the context. */
export type PathRule = string | RegExp | ((ctx: Context) => boolean);

/** What `match` and `ignore` accept: a rule or an array of rules (any one matching is enough). */
export type PathMatch = PathRule | PathRule[];

/** The switches every middleware's options may hold beside its own. */
export interface MatchOptions {
  match?: unknown;
  ignore?: unknown;
}

const describeValue = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : typeof value;

/**
 * A path prefix, segment by segment: `/api` matches `/api`, `/api/` and
 * `/api/users`, not `/apis`. `/` matches every path. Parameters and
 * wildcards (`/users/:id`, `/api/*`) are refused rather than matched
 * literally: a RegExp says those.
 */
function prefixTest(where: string, prefix: string): (path: string) => boolean {
  if (!prefix.startsWith('/') || /\/:|\*|\(/.test(prefix)) {
    throw broodError(
      ERR.MIDDLEWARE_MATCH_INVALID,
      `${where} ${JSON.stringify(prefix)} must be a path prefix starting with / (no :params or *; use a RegExp for those)`,
    );
  }
  const base = prefix.length > 1 && prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (base === '/') return () => true;
  return (path) => path === base || (path.startsWith(base) && path.charCodeAt(base.length) === 47) /* / */;
}

function regexpTest(pattern: RegExp): (path: string) => boolean {
  return (path) => {
    // A /g or /y RegExp keeps its lastIndex between calls: start from 0 each time.
    pattern.lastIndex = 0;
    return pattern.test(path);
  };
}

/** Turns one `match`/`ignore` value into a test of a context; `functions: false` refuses functions (the request id's case). */
function compile(where: string, rule: unknown, functions: boolean): (ctx: Context) => boolean {
  if (typeof rule === 'string') {
    const test = prefixTest(where, rule);
    return (ctx) => test(ctx.path);
  }
  if (rule instanceof RegExp) {
    const test = regexpTest(rule);
    return (ctx) => test(ctx.path);
  }
  if (typeof rule === 'function') {
    if (!functions) {
      throw broodError(
        ERR.MIDDLEWARE_MATCH_INVALID,
        `${where} cannot be a function: the request id is given before koa makes a context; use a path prefix or a RegExp`,
      );
    }
    return (ctx) => Boolean((rule as (ctx: Context) => unknown)(ctx));
  }
  if (Array.isArray(rule) && rule.length > 0) {
    const tests = rule.map((item, i) => compile(`${where}[${i}]`, item, functions));
    return (ctx) => tests.some((test) => test(ctx));
  }
  throw broodError(
    ERR.MIDDLEWARE_MATCH_INVALID,
    `${where} must be a path prefix, a RegExp, a function of ctx or a non-empty array of them, got ${describeValue(rule)}`,
  );
}

/**
 * The test of `config.<name>.match` / `.ignore`: true for the requests the
 * middleware runs on; undefined when neither is set (it runs on every
 * request). Both set is an error, as in Egg.
 */
export function requestMatcher(name: string, options: object | undefined, functions = true): ((ctx: Context) => boolean) | undefined {
  const { match, ignore } = (options ?? {}) as MatchOptions;
  if (match !== undefined && ignore !== undefined) {
    throw broodError(ERR.MIDDLEWARE_MATCH_INVALID, `config.${name} has both match and ignore; keep one of them`);
  }
  if (match !== undefined) return compile(`config.${name}.match`, match, functions);
  if (ignore !== undefined) {
    const ignored = compile(`config.${name}.ignore`, ignore, functions);
    return (ctx) => !ignored(ctx);
  }
  return undefined;
}

/**
 * The middleware as it runs under its `match` / `ignore`: a request it does
 * not match goes straight to the next one. Without either, the middleware
 * itself, so that it costs nothing.
 */
export function matched(name: string, middleware: Middleware, options: object | undefined): Middleware {
  return guarded(middleware, requestMatcher(name, options));
}

/** `middleware` run only where `applies` says; other requests go straight to the next one. */
export function guarded(middleware: Middleware, applies: ((ctx: Context) => boolean) | undefined): Middleware {
  if (applies === undefined) return middleware;
  return (ctx, next) => (applies(ctx) ? middleware(ctx, next) : next());
}

/** The path of a Node request, without its query: what koa's `ctx.path` is. */
export function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

type NodeListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A built-in that works on Node's request, before koa makes a context (the
 * request id, the access log), under `config.<name>.match` / `.ignore`: the
 * requests they match take `matched`, the others `otherwise`. Its rules are
 * paths and RegExps tested on the request's path; a function is refused at
 * start.
 */
export function matchedListener(name: string, matched: NodeListener, otherwise: NodeListener, options: object | undefined): NodeListener {
  const applies = nodeRequestMatcher(name, options);
  if (applies === undefined) return matched;
  return (req, res) => (applies(req) ? matched : otherwise)(req, res);
}

/**
 * The test of `config.<name>.match` / `.ignore` on Node's request, for a
 * built-in that works before koa makes a context (the request id, the
 * access log): paths and RegExps on the request's path, a function refused
 * at start; undefined when neither is set.
 */
export function nodeRequestMatcher(name: string, options: object | undefined): ((req: IncomingMessage) => boolean) | undefined {
  const applies = requestMatcher(name, options, false);
  if (applies === undefined) return undefined;
  // Functions were refused above: the rules left read the path alone.
  return (req) => applies({ path: pathOf(req) } as Context);
}

/** The error handler answers every request: `match` / `ignore` there are refused at start rather than half-honoured. */
export function refuseErrorHandlerMatch(options: object | undefined): void {
  const { match, ignore } = (options ?? {}) as MatchOptions;
  if (match === undefined && ignore === undefined) return;
  throw broodError(
    ERR.MIDDLEWARE_MATCH_INVALID,
    'config.errorHandler takes no match or ignore: every request needs its errors answered (errorHandler.enable: false switches it off for all)',
  );
}
