import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Logger, listSources, sourceOfStem } from '@brood/core';
import { broodError, ERR } from '@brood/errors';
import type Koa from 'koa';

/** What the `cookies` module throws for a signed cookie without keys. */
const NO_KEYS = '.keys required for signed cookies';

/**
 * `config.keys` as a list: an array of strings, or a comma-separated
 * string as Egg takes it (`'key1,key2'`), blanks dropped. The first key
 * signs; every key verifies, so a new key goes first and an old one stays
 * until the cookies it signed have expired.
 */
export function parseKeys(keys: unknown): string[] {
  if (keys === undefined || keys === null) return [];
  const list = typeof keys === 'string' ? keys.split(',') : keys;
  if (!Array.isArray(list) || list.some((key) => typeof key !== 'string')) {
    throw broodError(
      ERR.KEYS_INVALID,
      `config.keys must be an array of strings or a comma-separated string, got ${Array.isArray(keys) ? 'an array with a non-string' : typeof keys}`,
    );
  }
  return (list as string[]).map((key) => key.trim()).filter((key) => key !== '');
}

/** The error a signed cookie without keys becomes: one line that names the setting. */
function keysRequired(cause: unknown): Error {
  return broodError(
    ERR.KEYS_REQUIRED,
    'signed cookies need config.keys: set keys (an array, or a comma-separated string) in config/config.default.ts or config/config.<env>.ts',
    cause,
  );
}

/** Finds an accessor on `target` or its prototypes. */
function accessorOf(target: object, name: string): PropertyDescriptor | undefined {
  for (let proto: object | null = target; proto !== null; proto = Object.getPrototypeOf(proto)) {
    const found = Object.getOwnPropertyDescriptor(proto, name);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Without keys, `ctx.cookies` works as ever for plain cookies; a signed one
 * throws {@link keysRequired} instead of the cookies module's bare
 * `.keys required for signed cookies`. Only apps without keys pay for the
 * wrapper, and only on requests that touch cookies.
 */
function explainMissingKeys(koa: Koa): void {
  const original = accessorOf(koa.context, 'cookies');
  if (original?.get === undefined) return;
  const wrapped = new WeakSet<object>();
  Object.defineProperty(koa.context, 'cookies', {
    configurable: true,
    get(this: Koa.Context) {
      const cookies = original.get?.call(this) as Record<'get' | 'set', (...args: unknown[]) => unknown>;
      if (wrapped.has(cookies)) return cookies;
      wrapped.add(cookies);
      for (const method of ['get', 'set'] as const) {
        const call = cookies[method];
        cookies[method] = function (this: unknown, ...args: unknown[]) {
          try {
            return call.apply(this, args);
          } catch (error) {
            throw error instanceof Error && error.message === NO_KEYS ? keysRequired(error) : error;
          }
        };
      }
      return cookies;
    },
    set(this: Koa.Context, value: unknown) {
      original.set?.call(this, value);
    },
  });
}

/** `signed: true` as written in an app's code and as esbuild prints it. */
const SIGNS = /\bsigned\s*:\s*(?:true\b|!0\b)/;

/**
 * The first file of the compiled app (in `buildDir`, node_modules and tests
 * left out) that asks for a signed cookie as written, `{ signed: true }`;
 * undefined when none does. A heuristic: a flag computed at run time is not
 * seen, and then the first such cookie is still a 500 naming the setting.
 */
export function findSignedCookieUse(buildDir: string): string | undefined {
  let files: string[];
  try {
    files = listSources(buildDir);
  } catch {
    return undefined;
  }
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(join(buildDir, file), 'utf8');
    } catch {
      continue;
    }
    if (SIGNS.test(text)) return file;
  }
  return undefined;
}

/**
 * Gives koa the keys of `config.keys`, which `ctx.cookies` signs and
 * verifies cookies with. Without keys: a signed cookie fails with a message
 * naming `config.keys` (a 500). In production the first worker (`first`;
 * the others serve the same build) looks at the compiled app once: a start
 * without keys is refused when the app signs a cookie as written
 * (`signed: true`), and otherwise warned of once. As in Egg, a start cannot
 * know every cookie the app will sign: a flag computed at run time still
 * fails at its first use.
 */
export function applyKeys(
  koa: Koa,
  keys: unknown,
  context: { env: string; logger: Logger; first: boolean; baseDir: string; buildDir: string },
): void {
  const list = parseKeys(keys);
  if (list.length > 0) {
    koa.keys = list;
    return;
  }
  explainMissingKeys(koa);
  if (context.env !== 'prod' || !context.first) return;
  const signer = findSignedCookieUse(context.buildDir);
  if (signer !== undefined) {
    // Named as the app's own file, where there is one: the build is what runs, the source what the user edits.
    const file = sourceOfStem(context.baseDir, signer.replace(/\.js$/, '')) ?? signer;
    throw broodError(
      ERR.KEYS_REQUIRED,
      `config.keys is not set and ${file} signs cookies ({ signed: true }): set keys (an array, or a comma-separated string) in config/config.default.ts or config/config.prod.ts`,
    );
  }
  context.logger.warn('config.keys is not set: signed cookies (ctx.cookies.set(…, { signed: true })) will fail with a 500');
}
