/**
 * The script the master forks with `cluster.fork` to run one worker: it
 * runs the worker's bundle with its code cache.
 */
import path = require('node:path');
import runBundle = require('@brood/core/run-bundle');

runBundle.runBundle(path.join(__dirname, 'main.bundle.cjs'));
