#!/usr/bin/env node
/**
 * Bundles the three process programs (the CLI/master, the agent, the
 * worker) into one CommonJS file each, after `tsc -b` has built the
 * packages. `@brood/core/run-bundle` runs them with a V8 code cache.
 *
 * Why one file: a forked process spends most of its start-up resolving and
 * reading hundreds of small module files (koa alone pulls ~40). One file per
 * process cut a worker's boot from ~140 ms to ~100 ms and the agent's from
 * ~90 ms to ~65 ms on a 2-core machine (node -e 0 takes ~52 ms there).
 * Why CommonJS: it loads without the ES module loader, and Node 20 can
 * cache the compiled code of a script but not of an ES module. The worker's
 * bundle went from 52 ms over `node -e 0` as an ES module to 30 ms as
 * CommonJS with its code cache (see packages/core/src/run-bundle.cts).
 *
 * What each process keeps in memory for as long as it lives (idle RSS of
 * `brood start` with 2 workers, 1 s after both served, median of 4, the
 * same runs before and after): 207.9 MB before the measures below, 199.0
 * after the first four (master 51.3 → 49.2, agent 46.2 → 44.8, each worker
 * 55.2 → 52.6), 197.3 with the last:
 * - the bundle's source, as V8 must keep it: one byte a character while it
 *   is all ASCII, two as soon as one character is not. esbuild escapes
 *   what is in strings; three comments with `…` or `—` made every
 *   bundle two-byte (the CLI's 489 KB became a 956 KB string). The
 *   characters left in comments are replaced here.
 * - the modules it runs at load: Brood's packages say `sideEffects: false`,
 *   and so are treated the pure libraries below, so that what a process
 *   does not import is left out (the master no longer runs the agent's
 *   runtime, sdk-base and croner; no process runs `utility`'s crypto and
 *   file helpers that sdk-base does not use);
 * - pino's worker-thread transport (thread-stream), which Brood never uses
 *   (pretty and file output are streams in the process): not bundled, and
 *   `worker_threads` not loaded for it;
 * - a second copy of the source, which run-bundle.cts made when it wrapped
 *   it: the bundle carries its own wrapper (the banner and footer below);
 * - whitespace and comments: without them the bundles are 225, 147 and
 *   472 KB instead of 368, 216 and 727 KB (−1.7 MB of RSS in the tree, and
 *   less for each process to parse at boot).
 * - mime-types' tables: koa, type-is and accepts get a module that
 *   answers koa's content types itself and loads mime-types only when asked
 *   more (packages/worker/src/lazy-mime-types.cts): 53.4 -> 51.4 MB per
 *   worker.
 * - node:crypto: koa's cookie signing (keygrip, tsscmp) gets a module that
 *   loads it on first use (packages/worker/src/lazy-crypto.cts), and the
 *   request ids' prefix is drawn without it: 6–8 ms less of each worker's
 *   start-up.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// esbuild is a dependency of @brood/core; resolve it from there.
const { build } = createRequire(`${root}packages/core/package.json`)('esbuild');

/** [entry, bundle, whether whitespace goes]: a process lives on, a test process does not and keeps readable lines. */
const entries = [
  ['packages/brood/dist/cli.js', 'packages/brood/dist/cli.bundle.cjs', true],
  ['packages/agent/dist/main.js', 'packages/agent/dist/main.bundle.cjs', true],
  ['packages/worker/dist/main.js', 'packages/worker/dist/main.bundle.cjs', true],
  // brood/testing's createTestApp: the agent and a worker in the test process.
  ['packages/brood/dist/testing/test-app.js', 'packages/brood/dist/testing/in-process.bundle.cjs', false],
];

/** Libraries without side effects at import whose package.json does not say so. */
const PURE = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(?:utility|is-type-of|sdk-base|gals|get-ready|ylru|escape-html|unescape)\//;

/** Marks the files of {@link PURE} as free of side effects, so that esbuild leaves out those nothing uses. */
const pure = {
  name: 'pure',
  setup(bundle) {
    bundle.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === pure) return undefined;
      const found = await bundle.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: pure });
      if (found.errors.length > 0 || found.external || !PURE.test(found.path)) return undefined;
      return { path: found.path, sideEffects: false };
    });
  },
};

/**
 * pino's transports run in a worker thread (thread-stream), and pino asks
 * `worker_threads` whether it runs in the main thread: Brood's logger uses
 * no transport, and a bundle is always the main thread of its process.
 * Neither module is loaded (worker_threads alone is 0.3 MB of RSS).
 */
const STUBS = {
  'thread-stream': "module.exports = function ThreadStream() { throw new Error('pino transports are not part of Brood\\'s bundles'); };",
  worker_threads: 'module.exports = { isMainThread: true };',
};
const noTransports = {
  name: 'no-transports',
  setup(bundle) {
    bundle.onResolve({ filter: /^thread-stream$/ }, () => ({ path: 'thread-stream', namespace: 'brood-stub' }));
    bundle.onResolve({ filter: /^worker_threads$/ }, (args) =>
      /\/pino\/lib\/tools\.js$/.test(args.importer) ? { path: 'worker_threads', namespace: 'brood-stub' } : undefined,
    );
    bundle.onLoad({ filter: /.*/, namespace: 'brood-stub' }, (args) => ({ contents: STUBS[args.path], loader: 'js' }));
  },
};

/**
 * Every `require('mime-types')` in a bundle (koa's, type-is', accepts')
 * gets `@brood/worker`'s lazy-mime-types, which loads the real module
 * (and builds its tables from mime-db) only when something asks more of it
 * than koa's content types: see packages/worker/src/lazy-mime-types.cts.
 */
const LAZY_MIME = `${root}packages/worker/dist/lazy-mime-types.cjs`;
const lazyMime = {
  name: 'lazy-mime-types',
  setup(bundle) {
    bundle.onResolve({ filter: /^mime-types$/ }, (args) => (args.importer === LAZY_MIME ? undefined : { path: LAZY_MIME }));
  },
};

/**
 * keygrip's and tsscmp's `require('crypto')` (koa's signed cookies) gets
 * `@brood/worker`'s lazy-crypto, which loads node:crypto on their first
 * call instead of with koa: see packages/worker/src/lazy-crypto.cts.
 */
const LAZY_CRYPTO = `${root}packages/worker/dist/lazy-crypto.cjs`;
const COOKIE_SIGNING = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?(?:keygrip|tsscmp)\//;
const lazyCrypto = {
  name: 'lazy-crypto',
  setup(bundle) {
    bundle.onResolve({ filter: /^crypto$/ }, (args) => (COOKIE_SIGNING.test(args.importer) ? { path: LAZY_CRYPTO } : undefined));
  },
};

await Promise.all(
  entries.map(([entry, outfile, lean]) =>
    build({
      absWorkingDir: root,
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      charset: 'ascii',
      // Names are kept, so a stack trace still names each function of Brood's; its line and
      // column point into the bundle (sourceMaps: true, as under brood dev, maps them to the .ts).
      minifyWhitespace: lean,
      // Loaded only when needed: pino-pretty (brood dev), pino-roll (log files),
      // @koa/bodyparser (the first request with a body), esbuild (the master, to compile apps),
      // @brood/cluster with ioredis (cluster mode: ~200 kB that a single-host app never parses),
      // prom-client (metrics on, or app.metrics read), supertest (brood/testing's first request).
      external: ['pino-pretty', 'pino-roll', 'esbuild', '@koa/bodyparser', '@brood/cluster', 'prom-client', 'supertest'],
      plugins: [pure, noTransports, lazyMime, lazyCrypto],
      // The packages are ES modules that find files beside them through import.meta.url.
      define: { 'import.meta.url': '__broodBundleUrl' },
      // Its own CommonJS wrapper: it runs as it is under require() and from run-bundle.cts, which
      // passes the wrapper's arguments through a global (see ARGS there) instead of copying the source.
      banner: {
        js: "(function (exports, require, module, __filename, __dirname) { var __broodBundleUrl = require('node:url').pathToFileURL(__filename).href;",
      },
      footer: {
        js: "}).call(...(globalThis[Symbol.for('brood.bundle.args')] ?? [exports, exports, require, module, __filename, __dirname]));",
      },
      sourcemap: true,
      logLevel: 'warning',
    }),
  ),
);

// Left only in comments (charset 'ascii' escapes strings and names): one `?` each keeps every column.
for (const [, outfile] of entries) {
  const file = `${root}${outfile}`;
  const text = readFileSync(file, 'utf8');
  const ascii = text.replace(/[\u0080-\uffff]/g, '?');
  if (ascii !== text) writeFileSync(file, ascii);
}
