#!/usr/bin/env node
// CommonJS (bin/package.json), so that every command starts without Node's ES module
// loader: 2-3 ms sooner. The CLI and the master run from one bundle, with its code
// cache (@brood/core/run-bundle). A rejection of parseAsync is left unhandled: Node
// prints it and exits with code 1.
const path = require('node:path');
const { runBundle } = require('@brood/core/run-bundle');
const { createProgram } = runBundle(path.join(__dirname, '../dist/cli.bundle.cjs'));

createProgram(process.argv).parseAsync(process.argv);
