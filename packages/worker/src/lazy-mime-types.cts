/**
 * `mime-types` as koa, type-is and accepts use it, without its tables at
 * boot. scripts/bundle.mjs gives this module to every bundled `require('mime-types')`
 * but its own.
 *
 * Why: mime-types builds its extension and type tables from mime-db's
 * 2,500 entries as it loads. A worker that never looks a type up by
 * extension paid for them all the same: 1.9 MB of RSS in every worker
 * (idle, after serving), and the time to build them in every worker's boot.
 * Koa asks only one thing of it per response, `contentType()` of its
 * shorthands (`html` and `text` for a string body, `json` for an object,
 * `bin` for a buffer or a stream): those answers are known here. Anything
 * else (an extension, `ctx.accepts`, `ctx.is`, a full type without a
 * charset) loads the real module the first time, and from then on it
 * answers as it always has.
 *
 * CommonJS, as mime-types is: its callers read `require('mime-types').contentType`.
 */

/** The part of mime-types' API its callers use. */
interface MimeTypes {
  charset(type: string): string | false;
  contentType(str: string): string | false;
  extension(type: string): string | false;
  lookup(path: string): string | false;
  types: Record<string, string>;
  extensions: Record<string, string[]>;
  charsets: { lookup(type: string): string | false };
}

let real: MimeTypes | undefined;

/** The real module, loaded (and its tables built) on first use. */
function load(): MimeTypes {
  real ??= require('mime-types') as MimeTypes;
  return real;
}

/**
 * `contentType()` of koa's shorthands and of the full types they stand for,
 * as mime-types 3 answers them (a unit test compares each with the real
 * module).
 */
const KNOWN: ReadonlyMap<string, string> = new Map([
  ['html', 'text/html; charset=utf-8'],
  ['text', 'text/plain; charset=utf-8'],
  ['json', 'application/json; charset=utf-8'],
  ['bin', 'application/octet-stream'],
  ['text/html', 'text/html; charset=utf-8'],
  ['text/plain', 'text/plain; charset=utf-8'],
  ['application/json', 'application/json; charset=utf-8'],
  ['application/octet-stream', 'application/octet-stream'],
]);

export = {
  contentType(str: string): string | false {
    return (typeof str === 'string' && KNOWN.get(str)) || load().contentType(str);
  },
  charset: (type: string) => load().charset(type),
  extension: (type: string) => load().extension(type),
  lookup: (path: string) => load().lookup(path),
  get types() {
    return load().types;
  },
  get extensions() {
    return load().extensions;
  },
  get charsets() {
    return load().charsets;
  },
  /** Whether the real module has been loaded: for its test. */
  get loaded() {
    return real !== undefined;
  },
};
