import type { Router } from '@brood/messenger';
import type { MasterState } from '../master-state.js';
import type { ResolvedOptions } from '../options.js';
import type { ProcessTable } from '../process-table.js';
import { processMetrics } from './metrics.js';
import type { ProcessStatus, StatusResult } from './protocol.js';

/** How long `brood status` waits for the agent's task figures before it answers without them. */
const TASKS_TIMEOUT_MS = 2000;

/** Every process with its state, uptime, restarts, memory and CPU, and the agent's task figures. */
export async function collectStatus(from: {
  settings: ResolvedOptions;
  state: MasterState;
  url: string | null;
  table: ProcessTable;
  router: Router;
}): Promise<StatusResult> {
  const { settings, state, url, table, router } = from;
  const processes: ProcessStatus[] = [{ role: 'master', pid: process.pid, state, restarts: 0, ...processMetrics(process.pid) }];
  for (const proc of table.all()) {
    processes.push({ role: proc.role, pid: proc.pid, state: proc.state, restarts: proc.restarts, ...processMetrics(proc.pid) });
  }
  const result: StatusResult = { title: settings.title, baseDir: settings.baseDir, url, env: settings.env, state, processes };
  if (state === 'running') {
    try {
      result.tasks = await router.call('agent', 'task:list', null, TASKS_TIMEOUT_MS);
    } catch {
      // The agent is restarting, or slow: status goes on without task figures.
    }
  }
  return result;
}
