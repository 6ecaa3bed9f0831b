/**
 * The script the master forks with `cluster.fork` to run one worker.
 */
import { runChild } from '@brood/core';
import { workerRole } from './worker-role.js';

await runChild(workerRole);
