/**
 * The script the master forks with `child_process.fork` to run the agent.
 */
import { runChild } from '@brood/core';
import { agentRole } from './agent-role.js';

await runChild(agentRole);
