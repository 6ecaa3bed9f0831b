import type { IncomingMessage, ServerResponse } from 'node:http';
import type Koa from 'koa';

/** Options of the request id (`config.requestId`). */
export interface RequestIdOptions {
  /** Default true. */
  enable?: boolean;
  /** The header read from the request, and set on error responses (on every response with `echo`). Default `x-request-id`. */
  header?: string;
  /** Set the header on every response, not only on errors. Default false. */
  echo?: boolean;
}

/** An id a client or proxy may hand us: short, printable, no spaces or quotes. */
const SANE = /^[A-Za-z0-9._:-]{1,200}$/;

/**
 * This process's ids are `<prefix>-<n>`: 12 hex digits drawn once per
 * process, so that the ids of two workers, or of a worker and the one that
 * replaced it, never meet, then a counter. A counter costs a string
 * concatenation where `randomUUID()` cost 585 bytes and 258 ns a request
 * (node -e loop of 200,000 under a load average of 14 on 2 cores:
 * `prefix + n` 56 bytes and 66 ns). The prefix is drawn from Math.random,
 * which V8 seeds from the system's entropy in every process: an id is a
 * label to find a request by, not a secret, and node:crypto is not loaded
 * for it at boot (6–8 ms of a worker's start-up).
 */
const PREFIX = `${Math.floor(Math.random() * 2 ** 48)
  .toString(16)
  .padStart(12, '0')}-`;
let issued = 0;

/** A new id of this process. */
export function newRequestId(): string {
  issued += 1;
  return PREFIX + issued;
}

/** Where a request's id is kept once it has one, on Node's request: koa's context and the access log both reach it. */
const REQUEST_ID = Symbol.for('brood.requestId');

type WithId = IncomingMessage & { [REQUEST_ID]?: string };

declare module 'koa' {
  interface DefaultContext {
    /** The request's id: the incoming `x-request-id` when sane, else a new `<process prefix>-<n>`; undefined where `match` / `ignore` leave it out. */
    requestId: string;
  }
}

/** The lower-cased header name of the request id. */
export const requestIdHeader = (options: RequestIdOptions = {}): string => (options.header ?? 'x-request-id').toLowerCase();

/**
 * The request ids of a worker, as `config.requestId` says. An id is made
 * the first time something asks for it — `ctx.requestId` (the error
 * handler, `ctx.logger`, the app), the access log — so that a request
 * nobody asks about pays nothing, not even a property write; with `echo`,
 * every request is given one before koa, and its response the header.
 *
 * Measured in one process against koa (bench/request-path.mjs, two runs of
 * 15 rounds): 0.98–1.02× its CPU time and 0.98× its bytes per request,
 * against 1.04–1.10× and 1.07× when every request got a UUID and the
 * header; with `echo`, +700 bytes a request. Under wrk in a cluster
 * (bench/profile-worker.mjs, 2 runs): 14.5–14.7 KB allocated a request
 * against koa-cluster's 14.8–14.9, where it was 15.7–15.8 KB.
 */
export interface RequestIds {
  /**
   * The id of `req`: the one it was given, else the sane one it came with,
   * else a new one; undefined for a request `match` / `ignore` leave out.
   */
  of(req: IncomingMessage): string | undefined;
  /** With `echo`: gives the request its id and sets the response header, before koa (no middleware layer). */
  assign: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
}

/**
 * The request ids of `options` (see {@link RequestIds}); `applies`, from
 * `match` / `ignore`, says which requests have one.
 */
export function requestIds(options: RequestIdOptions = {}, applies?: (req: IncomingMessage) => boolean): RequestIds {
  const header = requestIdHeader(options);
  const of = (req: IncomingMessage): string | undefined => {
    const given = (req as WithId)[REQUEST_ID];
    if (given !== undefined) return given;
    if (applies !== undefined && !applies(req)) return undefined;
    const incoming = req.headers[header];
    const id = typeof incoming === 'string' && SANE.test(incoming) ? incoming : newRequestId();
    (req as WithId)[REQUEST_ID] = id;
    return id;
  };
  const assign =
    options.echo === true
      ? (req: IncomingMessage, res: ServerResponse): void => {
          const id = of(req);
          if (id !== undefined) res.setHeader(header, id);
        }
      : undefined;
  return { of, assign };
}

/** Defines `ctx.requestId`, made on first read (see {@link RequestIds}). */
export function installRequestId(koa: Koa, ids: RequestIds): void {
  Object.defineProperty(koa.context, 'requestId', {
    configurable: true,
    get(this: Koa.Context) {
      return ids.of(this.req);
    },
  });
}
