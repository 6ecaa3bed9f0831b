/**
 * The script the master forks with `child_process.fork` to run the agent:
 * it runs the agent's bundle with its code cache.
 */
import path = require('node:path');
import runBundle = require('@brood/core/run-bundle');

runBundle.runBundle(path.join(__dirname, 'main.bundle.cjs'));
