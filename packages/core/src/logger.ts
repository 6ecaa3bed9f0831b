import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type DestinationStream, type Logger, type MultiStreamRes, pino, stdSerializers } from 'pino';
import { prettyStream } from './pretty.js';

export type { Logger } from 'pino';

/** How log files rotate (pino-roll). */
export interface LogRotate {
  /** Start a new file past this size: `'10m'`, `'1g'`, or a number of MB. */
  size?: string | number;
  /** Start a new file `'daily'`, `'hourly'`, or every N ms. */
  frequency?: 'daily' | 'hourly' | number;
  /** How many old files to keep besides the current one. */
  limit?: number;
}

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
  /** Also write every line to this file (its folder is created), rotated. */
  file?: LogFile;
}

/** A process's log file. */
export interface LogFile {
  path: string;
  rotate?: LogRotate;
  /**
   * Once the file is open, lines go to it alone, not to stdout as well: a
   * daemon's stdout is a file already, and a line is written once.
   */
  only?: boolean;
}

/** The streams of a logger made with a file, and the id of its stdout stream among them. */
const multistreams = new WeakMap<Logger, { streams: MultiStreamRes<string>; stdoutId: number }>();

/**
 * Creates the pino logger of one process. Every line carries `role` and
 * `pid`, and `worker` in workers, so the interleaved output of a cluster can
 * be told apart; errors logged as `{ err }` carry their stack and the
 * stacks of their `cause` chain.
 *
 * Stdout is written synchronously: a process that exits right after logging
 * (a boot failure, an orphan) must not lose its last line. With `file`, the
 * lines also go to a rotated file, opened by {@link openLogFile}.
 */
export function createLogger(options: LoggerOptions): Logger {
  const base: Record<string, unknown> = { role: options.role, pid: process.pid };
  if (options.workerId !== undefined) base.worker = options.workerId;
  const level = options.level ?? 'info';
  const stdout = options.destination ?? (options.pretty ? prettyStream() : pino.destination({ dest: 1, sync: true }));
  const settings = { level, base, serializers: { err: stdSerializers.errWithCause } };
  if (options.file === undefined) return pino(settings, stdout);
  // Both streams take every line the logger lets through; the logger's level decides.
  const streams = pino.multistream([{ stream: stdout, level: 'trace' }]);
  const logger = pino(settings, streams);
  // pino numbers each stream it holds (`id`, not in its types): the one to remove for `only`.
  multistreams.set(logger, { streams, stdoutId: (streams.streams[0] as { id?: number } | undefined)?.id ?? 1 });
  return logger;
}

/**
 * Opens the rotated log file of a logger made with `file` and adds it to
 * the logger's streams (with `only`, in place of stdout). Lines written
 * before it opens reach stdout only. What is still buffered is written
 * when the process exits.
 */
export async function openLogFile(logger: Logger, file: LogFile): Promise<void> {
  const entry = multistreams.get(logger);
  if (entry === undefined) return;
  const { streams, stdoutId } = entry;
  const dir = join(file.path, '..');
  mkdirSync(dir, { recursive: true });
  // Loaded only when a log folder is configured.
  const roll = createRequire(import.meta.url)('pino-roll') as (
    options: Record<string, unknown>,
  ) => Promise<DestinationStream & { flushSync(): void }>;
  const rotate = file.rotate ?? {};
  const options: Record<string, unknown> = { file: file.path.replace(/\.log$/, ''), extension: '.log', mkdir: true };
  if (rotate.size !== undefined) options.size = rotate.size;
  if (rotate.frequency !== undefined) options.frequency = rotate.frequency;
  if (rotate.limit !== undefined) options.limit = { count: rotate.limit };
  const stream = await roll(options);
  process.once('exit', () => {
    try {
      stream.flushSync();
    } catch {
      // nothing buffered, or the file is gone: the exit goes on
    }
  });
  streams.add({ stream, level: 'trace' });
  if (file.only === true) streams.remove(stdoutId);
}

/** The log file of a process: `master.log`, `agent.log`, `worker-<slot>.log`. */
export function logFileName(role: 'master' | 'agent' | 'worker', slot?: number): string {
  return role === 'worker' ? `worker-${slot ?? 0}.log` : `${role}.log`;
}
