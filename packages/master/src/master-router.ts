import type { Logger } from '@brood/core';
import { type Envelope, Router, type Sender } from '@brood/messenger';
import type { ResolvedOptions } from './options.js';
import type { ProcessTable } from './process-table.js';

/**
 * The master's router: its process table says who takes messages, what it
 * holds for one process is bounded by `maxPendingBytes`, what it drops is
 * counted and logged on the master's log, and the children's control
 * envelopes go to `onControl`.
 */
export function masterRouter(
  settings: ResolvedOptions,
  logger: Logger,
  table: ProcessTable,
  onControl: (from: Sender, message: Envelope) => void,
): Router {
  return new Router({ log: logger, maxPendingBytes: settings.maxPendingBytes, directory: table, onControl });
}
