import type { Router } from '@brood/messenger';
import type { MasterState } from '../master-state.js';
import type { Operations } from '../ops/operations.js';
import type { ResolvedOptions } from '../options.js';
import type { ProcessTable } from '../process-table.js';
import { processMetrics } from './metrics.js';
import type { ProcessStatus, StatusResult } from './protocol.js';

/** How long `brood status` waits for the agent's task figures before it answers without them. */
const TASKS_TIMEOUT_MS = 2000;

/** Every process with its state, uptime, restarts, memory, heap, event-loop lag and live CPU, and the agent's task figures. */
export async function collectStatus(from: {
  settings: ResolvedOptions;
  state: MasterState;
  url: string | null;
  table: ProcessTable;
  router: Router;
  ops: Operations;
}): Promise<StatusResult> {
  const { settings, state, url, table, router, ops } = from;
  /** /proc's figures, with CPU over the last few seconds when two readings are there, else since start. */
  const measured = (pid: number) => {
    const figures = processMetrics(pid);
    return { ...figures, cpu: ops.cpu.percent(pid) ?? figures.cpu };
  };
  const own = process.memoryUsage();
  const processes: ProcessStatus[] = [
    {
      role: 'master',
      pid: process.pid,
      state,
      restarts: 0,
      dropped: router.dropped,
      ...measured(process.pid),
      heapUsed: own.heapUsed,
      heapTotal: own.heapTotal,
      lag: null,
    },
  ];
  for (const proc of table.all()) {
    const vitals = ops.vitals(proc.pid);
    processes.push({
      role: proc.role,
      pid: proc.pid,
      state: proc.state,
      restarts: proc.restarts,
      dropped: router.droppedFor(proc.pid),
      ...measured(proc.pid),
      heapUsed: vitals?.heapUsed ?? null,
      heapTotal: vitals?.heapTotal ?? null,
      lag: vitals?.lag ?? null,
    });
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
