/**
 * `crypto` as koa's cookie signing uses it (cookies → keygrip → tsscmp),
 * loaded on its first use instead of at boot. scripts/bundle.mjs gives this
 * module to keygrip's and tsscmp's `require('crypto')`.
 *
 * Why: both require node:crypto as they load, and koa loads them with
 * itself, so every worker loaded Node's crypto modules at boot: 6–8 ms of
 * each worker's start-up on a 2-core machine, on the way to a first
 * request or a crashed worker's replacement, for signed cookies an app may
 * never set. They read crypto's functions only when they sign or check a
 * cookie (`createHmac`, `timingSafeEqual`, `pseudoRandomBytes`); every
 * property read here is the real module's, loaded the first time.
 *
 * CommonJS, as they are: they read `require('crypto').createHmac`.
 */
import type * as Crypto from 'node:crypto';

let real: typeof Crypto | undefined;

/** The real module, loaded on first use. */
function load(): typeof Crypto {
  real ??= require('node:crypto') as typeof Crypto;
  return real;
}

export = new Proxy({} as typeof Crypto, {
  get(_target, key) {
    return Reflect.get(load(), key);
  },
  has(_target, key) {
    return Reflect.has(load(), key);
  },
});
