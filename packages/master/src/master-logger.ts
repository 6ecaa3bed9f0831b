import { join } from 'node:path';
import { createLogger, type Logger, logFileName, openLogFile } from '@brood/core';
import { messageOf } from '@brood/errors';
import type { ResolvedOptions } from './options.js';

/** The master's logger and, with a log folder, its file (`master.log`), opened by {@link openMasterLog}. */
export function masterLogger(settings: ResolvedOptions): Logger {
  const file = masterLogFile(settings);
  return createLogger({
    role: 'master',
    pretty: settings.pretty,
    level: settings.logLevel,
    ...(file === undefined ? {} : { file }),
  });
}

/** Opens the master's log file, if it has one; a file that cannot be opened is logged, not fatal. */
export async function openMasterLog(settings: ResolvedOptions, logger: Logger): Promise<void> {
  const file = masterLogFile(settings);
  if (file === undefined) return;
  await openLogFile(logger, file).catch((error: unknown) => logger.error({ err: error }, `cannot open the log file: ${messageOf(error)}`));
}

function masterLogFile({ logDir, logRotate }: ResolvedOptions) {
  if (logDir === undefined) return undefined;
  return { path: join(logDir, logFileName('master')), ...(logRotate === undefined ? {} : { rotate: logRotate }) };
}
