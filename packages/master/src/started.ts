import type { Logger } from '@brood/core';
import { monotonicMs } from '@brood/messenger';
import type { BootTimeline } from './agent-gate.js';
import type { AppPort } from './app-port.js';
import type { ProcessTable } from './process-table.js';

/** What the master reports once the application serves. */
export interface StartedInfo {
  url: string;
  port: number;
  /** The workers in rotation (spares left out). */
  workers: number[];
  agent: number;
  /** ms from the master's process start to every worker ready. */
  ms: number;
}

/** The application as it serves now. */
export function startedInfo(port: AppPort, table: ProcessTable, configuredPort: number): StartedInfo {
  return {
    url: port.url,
    port: port.address?.port ?? configuredPort,
    workers: table.workers.filter((w) => !w.spare).map((w) => w.pid),
    agent: table.agent() ?? 0,
    ms: Math.round(monotonicMs()),
  };
}

/**
 * The one line that says the application serves: `brood started:
 * http://127.0.0.1:7001, 2 workers, agent 4242, in 304 ms`, with `boot`,
 * when each stage of start-up was reached (docs/cluster.md).
 */
export function logStarted(logger: Logger, info: StartedInfo, boot: BootTimeline): void {
  const count = info.workers.length;
  logger.info(
    { url: info.url, workers: info.workers, agent: info.agent, ms: info.ms, boot, event: 'started' },
    `brood started: ${info.url}, ${count} worker${count === 1 ? '' : 's'}, agent ${info.agent}, in ${info.ms} ms`,
  );
}
