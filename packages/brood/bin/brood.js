#!/usr/bin/env node
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

// The CLI and the master run from one bundle, with its code cache (@brood/core/run-bundle).
const { runBundle } = createRequire(import.meta.url)('@brood/core/run-bundle');
const { createProgram } = runBundle(fileURLToPath(new URL('../dist/cli.bundle.cjs', import.meta.url)));

await createProgram(process.argv).parseAsync(process.argv);
