import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/** How a process of Brood logs. */
export interface LoggerOptions {
  role: 'master' | 'agent' | 'worker';
  /** The cluster worker id, for workers. */
  workerId?: number;
  /** Human-readable lines instead of JSON (`brood dev`). */
  pretty?: boolean;
  level?: string;
  /** Where lines go; stdout when absent. */
  destination?: DestinationStream;
}

/**
 * Creates the pino logger of one process. Every line carries `role` and
 * `pid`, and `worker` in workers, so the interleaved output of a cluster can
 * be told apart.
 *
 * Output is synchronous: a process that exits right after logging (a boot
 * failure, an orphan) must not lose its last line.
 */
export function createLogger(options: LoggerOptions): Logger {
  const base: Record<string, unknown> = { role: options.role, pid: process.pid };
  if (options.workerId !== undefined) base.worker = options.workerId;
  const level = options.level ?? 'info';
  const destination = options.destination ?? (options.pretty ? prettyStream() : pino.destination({ dest: 1, sync: true }));
  return pino({ level, base }, destination);
}

function prettyStream(): DestinationStream {
  // pino-pretty is loaded only when asked for: production never pays for it.
  const pretty = createRequire(import.meta.url)('pino-pretty') as (options: Record<string, unknown>) => DestinationStream;
  return pretty({
    sync: true,
    colorize: process.stdout.isTTY === true,
    ignore: 'hostname,role,pid,worker',
    translateTime: 'HH:MM:ss.l',
    messageFormat: '{role}{if worker}#{worker}{end} {pid} | {msg}',
  });
}
