import { dirname, join } from 'node:path';
import { createLogger, type LogFile, type Logger, logFileName, openLogFile } from '@brood/core';
import { messageOf } from '@brood/errors';
import { makePrivateDir, privateAppDir } from './folders.js';
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
  const { baseDir, daemonOutput } = settings;
  const moved = [...(settings.privateDir?.moved ?? [])];
  const privateDir = privateAppDir(baseDir);
  // A daemon's launcher moved its output files there already when the app's logs/ was read-only.
  if (daemonOutput !== undefined && dirname(daemonOutput.stdout).startsWith(privateDir) && !moved.includes('logs')) moved.push('logs');
  if (moved.length > 0) makePrivateDir(privateDir);
  if (daemonOutput !== undefined) rotateDaemonOutput(daemonOutput, settings.logRotate, logger);
  const file = masterLogFile(settings);
  if (file !== undefined) {
    await openLogFile(logger, file).catch((error: unknown) =>
      logger.error({ err: error }, `cannot open the log file: ${messageOf(error)}`),
    );
  }
  if (moved.length === 0) return;
  const what = moved.map((name) => `${name}/`).join(' and ');
  logger.info({ privateDir, moved }, `${baseDir} is not writable: ${what} moved to ${privateDir}`);
}

function masterLogFile({ logDir, logRotate, daemonOutput }: ResolvedOptions): LogFile | undefined {
  if (logDir === undefined) return undefined;
  // A daemon's stdout is a file already: with a log folder, a line is written once, there.
  return { path: join(logDir, logFileName('master')), rotate: logRotate, only: daemonOutput !== undefined };
}
