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
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// esbuild is a dependency of @brood/core; resolve it from there.
const { build } = createRequire(`${root}packages/core/package.json`)('esbuild');

const entries = [
  ['packages/brood/dist/cli.js', 'packages/brood/dist/cli.bundle.cjs'],
  ['packages/agent/dist/main.js', 'packages/agent/dist/main.bundle.cjs'],
  ['packages/worker/dist/main.js', 'packages/worker/dist/main.bundle.cjs'],
  // brood/testing's createTestApp: the agent and a worker in the test process.
  ['packages/brood/dist/testing/test-app.js', 'packages/brood/dist/testing/in-process.bundle.cjs'],
];

await Promise.all(
  entries.map(([entry, outfile]) =>
    build({
      absWorkingDir: root,
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      // Loaded only when needed: pino-pretty (brood dev), pino-roll (log files),
      // @koa/bodyparser (the first request with a body), esbuild (the master, to compile apps),
      // @brood/cluster with ioredis (cluster mode: ~200 kB that a single-host app never parses),
      // prom-client (metrics on, or app.metrics read), supertest (brood/testing's first request).
      external: ['pino-pretty', 'pino-roll', 'esbuild', '@koa/bodyparser', '@brood/cluster', 'prom-client', 'supertest'],
      // The packages are ES modules that find files beside them through import.meta.url.
      define: { 'import.meta.url': '__broodBundleUrl' },
      banner: { js: "var __broodBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
      sourcemap: true,
      logLevel: 'warning',
    }),
  ),
);
