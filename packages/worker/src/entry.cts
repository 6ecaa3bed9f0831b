/**
 * The script the master forks with `cluster.fork` to run one worker: it
 * runs the worker's bundle with its code cache.
 */
import path = require('node:path');

/** The file of @brood/core/run-bundle, named by the master (core's RUN_BUNDLE_ENV), or resolved here. */
const named = process.env.BROOD_RUN_BUNDLE;
// Not passed on to what this process starts.
delete process.env.BROOD_RUN_BUNDLE;
const runBundle: typeof import('@brood/core/run-bundle') = require(named ?? '@brood/core/run-bundle');

runBundle.runBundle(path.join(__dirname, 'main.bundle.cjs'));
