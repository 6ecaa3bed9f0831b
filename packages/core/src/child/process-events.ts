import cluster from 'node:cluster';
import { messageOf } from '@brood/errors';
import { killOwnGroup } from './process-group.js';
import type { ChildRuntime } from './runtime.js';

/**
 * How long an orphaned process (its master is gone) may spend on
 * `beforeClose` hooks before it exits anyway: the whole tree must be gone
 * within a second of the master's death.
 */
export const ORPHAN_CLOSE_BUDGET_MS = 500;

/** How long a process may take to close after an uncaught exception. */
const CRASH_CLOSE_BUDGET_MS = 2000;

/**
 * What the process itself may go through: stop signals, a dead master, an
 * uncaught exception, a rejected promise nobody handled.
 */
export function handleProcessEvents(runtime: ChildRuntime): void {
  const { logger, options, spec } = runtime;

  // The master alone decides how the cluster stops. A stop signal sent to the
  // whole process group — Ctrl-C, Ctrl-\, systemd's default
  // KillMode=control-group, kill -- -PGID — reaches the master too, which
  // closes the workers and then the agent, in order; a child that acted on
  // it would close out of turn. Without a master (the channel closed) a
  // child is closing already, or closes now.
  for (const signal of ['SIGINT', 'SIGQUIT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (!runtime.channel.connected()) void runtime.close(options.shutdownTimeout, signal);
    });
  }

  // Both end the process the same way: it stops taking work, finishes what is in flight within
  // the crash budget, exits 1, and the master forks another.
  const crash = (reason: string, error: unknown): void => {
    logger.fatal({ err: error }, `${reason} in ${spec.role}: ${messageOf(error)}`);
    process.exitCode = 1;
    void runtime.close(Math.min(options.shutdownTimeout, CRASH_CLOSE_BUDGET_MS), reason, 1);
  };
  process.on('uncaughtException', (error) => crash('uncaught exception', error));
  // Node itself exits on a rejection nobody handled; Egg logs it. Brood exits unless the app
  // chose `unhandledRejection: 'log'` (docs/lifecycle.md says why).
  process.on('unhandledRejection', (reason) => {
    if (options.unhandledRejection !== 'log') crash('unhandled promise rejection', reason);
    else
      logger.error(
        { err: reason },
        `unhandled promise rejection in ${spec.role}: ${messageOf(reason)}; serving on (unhandledRejection: 'log')`,
      );
  });

  // Orphan: the master died (even by SIGKILL) and the IPC channel closed.
  // Node's cluster makes a worker exit at once on an unexpected disconnect;
  // marking the disconnect as expected lets beforeClose run within its budget.
  const worker = cluster.isWorker ? cluster.worker : undefined;
  worker?.on('disconnect', () => {
    worker.exitedAfterDisconnect = true;
  });
  process.on('disconnect', () => {
    logger.warn('master is gone: closing');
    void runtime.close(ORPHAN_CLOSE_BUDGET_MS, 'master is gone');
  });

  // However the process ends — closed, orphaned, crashed, failed to boot — what it started goes with it.
  process.on('exit', killOwnGroup);
}
