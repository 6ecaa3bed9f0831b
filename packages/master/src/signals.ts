import { messageOf } from '@brood/errors';
import { monotonicMs } from '@brood/messenger';
import type { Master } from './master.js';
import { isUnreadableIpc } from './unreadable-ipc.js';

/** The signals that stop the cluster gracefully. */
export const STOP_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const;

/**
 * A stop signal repeated within this window is the same request, not an
 * order to kill: `timeout(1)` and a signal sent to the process group as
 * well as to the master deliver it twice within a few milliseconds; a
 * person pressing Ctrl-C again takes longer.
 */
export const REPEAT_WINDOW_MS = 1000;

/**
 * Makes this process's signals drive the master: SIGTERM, SIGINT and
 * SIGQUIT stop gracefully; another one, later than {@link REPEAT_WINDOW_MS},
 * kills what is left at once. SIGUSR2 reloads (a rolling restart of the
 * workers, then the agent). Returns the function that removes these handlers.
 */
export function handleSignals(master: Master): () => void {
  let firstAt = 0;
  const listeners: Array<[string, () => void]> = [];
  const on = (signal: string, listener: () => void): void => {
    listeners.push([signal, listener]);
    process.on(signal, listener);
  };
  for (const signal of STOP_SIGNALS) {
    on(signal, () => {
      if (master.state === 'stopping') {
        if (monotonicMs() - firstAt < REPEAT_WINDOW_MS) {
          master.logger.debug(`${signal} again within ${REPEAT_WINDOW_MS} ms: the stop goes on`);
          return;
        }
        master.logger.warn(`${signal} again: killing every process now`);
        master.kill();
        return;
      }
      firstAt = monotonicMs();
      void master.stop(signal);
    });
  }
  on('SIGUSR2', () => {
    master.reload('SIGUSR2').catch((error: Error) => master.logger.error({ err: error }, error.message));
  });
  let unreadable = 0;
  on('uncaughtException', (error?: unknown) => {
    if (isUnreadableIpc(error)) {
      // Counted, and logged at the first and then every 1,000th: a child that floods its channel cannot flood the log.
      unreadable += 1;
      if (unreadable === 1 || unreadable % 1000 === 0) {
        master.logger.warn(
          { count: unreadable },
          `a child wrote bytes that are not a message on its IPC channel: dropped (${unreadable} so far)`,
        );
      }
      return;
    }
    // The children notice the broken channel and exit on their own.
    master.logger.fatal({ err: error }, `master crashed: ${messageOf(error)}`);
    process.exit(1);
  });
  // Undoes all of the above: `brood dev` starts another master after a failed start.
  return () => {
    for (const [signal, listener] of listeners) process.off(signal, listener);
  };
}
