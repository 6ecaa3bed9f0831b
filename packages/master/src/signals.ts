import type { Master } from './master.js';

/** The signals that stop the cluster gracefully. */
export const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const;

/**
 * Makes this process's signals drive the master: SIGTERM, SIGINT and
 * SIGQUIT stop gracefully; a second one kills what is left at once.
 * SIGUSR2 reloads (a rolling restart of the workers, then the agent).
 */
export function handleSignals(master: Master): void {
  for (const signal of STOP_SIGNALS) {
    process.on(signal, () => {
      if (master.state === 'stopping') {
        master.logger.warn(`${signal} again: killing every process now`);
        for (const proc of master.processes) proc.kill();
        master.done.resolve(1);
        return;
      }
      void master.stop(signal);
    });
  }
  process.on('SIGUSR2', () => {
    master.reload('SIGUSR2').catch((error: Error) => master.logger.error({ err: error }, error.message));
  });
  process.on('uncaughtException', (error) => {
    // The children notice the broken channel and exit on their own.
    master.logger.fatal({ err: error }, `master crashed: ${error.message}`);
    process.exit(1);
  });
}
