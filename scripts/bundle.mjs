#!/usr/bin/env node
/**
 * Bundles the three process entry points (the CLI/master, the agent, the
 * worker) into one file each, after `tsc -b` has built the packages.
 *
 * Why: a forked process spends most of its start-up resolving and reading
 * hundreds of small module files (koa alone pulls ~40). One file per process
 * cut a worker's boot from ~140 ms to ~100 ms and the agent's from ~90 ms to
 * ~65 ms on a 2-core machine (node -e 0 takes ~52 ms), which is what makes
 * cold start fit its budget (bench/run.mjs).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// esbuild is a dependency of @brood/core; resolve it from there.
const { build } = createRequire(`${root}packages/core/package.json`)('esbuild');

const entries = [
  ['packages/brood/dist/cli.js', 'packages/brood/dist/cli.bundle.js'],
  ['packages/agent/dist/entry.js', 'packages/agent/dist/entry.bundle.js'],
  ['packages/worker/dist/entry.js', 'packages/worker/dist/entry.bundle.js'],
];

await Promise.all(
  entries.map(([entry, outfile]) =>
    build({
      absWorkingDir: root,
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      // Loaded only when needed: pino-pretty (brood dev), pino-roll (log files),
      // @koa/bodyparser (the first request with a body), esbuild (the master, to compile apps).
      external: ['pino-pretty', 'pino-roll', 'esbuild', '@koa/bodyparser'],
      // CommonJS dependencies (koa, pino) call require(); give the ESM bundle one.
      banner: { js: "import { createRequire as __broodRequire } from 'node:module'; const require = __broodRequire(import.meta.url);" },
      sourcemap: true,
      logLevel: 'warning',
    }),
  ),
);
