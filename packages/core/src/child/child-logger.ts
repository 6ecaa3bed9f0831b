import cluster from 'node:cluster';
import { join } from 'node:path';
import { messageOf } from '@brood/errors';
import { createLogger, type Logger, logFileName, openLogFile } from '../logger.js';
import { type ProcessOptions, WORKER_SLOT_ENV } from '../options.js';

/**
 * The logger of the agent or a worker: every line carries the role, the pid
 * and a worker's cluster id; with a log folder, lines go to the process's
 * own file too (`agent.log`, `worker-<slot>.log`). A file that cannot be
 * opened is logged and the process goes on with stdout alone.
 */
export async function childLogger(role: 'agent' | 'worker', options: ProcessOptions): Promise<Logger> {
  const workerId = cluster.isWorker ? cluster.worker?.id : undefined;
  const slot = Number(process.env[WORKER_SLOT_ENV] ?? 0);
  const file =
    options.logDir === undefined
      ? undefined
      : {
          path: join(options.logDir, logFileName(role, slot)),
          ...(options.logRotate === undefined ? {} : { rotate: options.logRotate }),
          only: options.logFileOnly === true,
        };
  const logger = createLogger({
    role,
    ...(workerId === undefined ? {} : { workerId }),
    pretty: options.pretty,
    level: options.logLevel,
    ...(file === undefined ? {} : { file }),
  });
  if (file !== undefined) {
    try {
      await openLogFile(logger, file);
    } catch (error) {
      logger.error({ err: error }, `cannot open the log file ${file.path}: ${messageOf(error)}`);
    }
  }
  return logger;
}
