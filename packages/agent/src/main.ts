/**
 * The agent's program, bundled into `dist/main.bundle.cjs` (scripts/bundle.mjs)
 * and run by `entry.cts`.
 */
import { runChild } from '@brood/core';
import { agentRole } from './agent-role.js';

void runChild(agentRole);
