/**
 * A worker's program, bundled into `dist/main.bundle.cjs` (scripts/bundle.mjs)
 * and run by `entry.cts`.
 */
import { runChild } from '@brood/core';
import { workerRole } from './worker-role.js';

void runChild(workerRole);
