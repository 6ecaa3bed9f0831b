import { join } from 'node:path';
import { createLogger, type LogFile, type Logger, logFileName, openLogFile } from '@brood/core';
import { messageOf } from '@brood/errors';
import { makePrivateDir } from './folders.js';
import type { ResolvedOptions } from './options.js';
import { rotateDaemonOutput } from './output-rotation.js';

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

/**
 * Opens the master's log file, if it has one; a file that cannot be opened
 * is logged, not fatal. When the app folder is read-only, the private
 * folder that its run files (and log files) moved to is made first, and
 * one line says so.
 */
export async function openMasterLog(settings: ResolvedOptions, logger: Logger): Promise<void> {
  const { baseDir, privateDir } = settings;
  if (privateDir !== undefined) makePrivateDir(privateDir.dir);
  if (settings.daemonOutput !== undefined) rotateDaemonOutput(settings.daemonOutput, settings.logRotate, logger);
  const file = masterLogFile(settings);
  if (file !== undefined) {
    await openLogFile(logger, file).catch((error: unknown) =>
      logger.error({ err: error }, `cannot open the log file: ${messageOf(error)}`),
    );
  }
  if (privateDir === undefined) return;
  const what = privateDir.moved.map((name) => `${name}/`).join(' and ');
  logger.info({ privateDir: privateDir.dir, moved: privateDir.moved }, `${baseDir} is not writable: ${what} moved to ${privateDir.dir}`);
}

function masterLogFile({ logDir, logRotate, daemonOutput }: ResolvedOptions): LogFile | undefined {
  if (logDir === undefined) return undefined;
  // A daemon's stdout is a file already: with a log folder, a line is written once, there.
  return { path: join(logDir, logFileName('master')), rotate: logRotate, only: daemonOutput !== undefined };
}
