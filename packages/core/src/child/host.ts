import { type MasterChannel, masterChannel } from './channel.js';

/**
 * What the agent or a worker needs of the place it runs in: a channel to
 * its master, a way to end, and the pid it signs its messages with. In a
 * forked process that is the process itself ({@link processHost}); in the
 * test process of `brood/testing` the agent and the worker run side by
 * side, each on a host of its own, and ending one ends no process.
 */
export interface ChildHost {
  readonly channel: MasterChannel;
  /**
   * Ends the agent or the worker with `code`. `reason` is the error that
   * stopped a boot, for a host that runs in process and can hand it on whole.
   */
  exit(code: number, reason?: unknown): void;
  /** The pid the messenger signs with and the master routes by. */
  readonly pid: number;
}

/** The host of a forked agent or worker: its IPC channel, `process.exit`, its own pid. */
export function processHost(): ChildHost {
  return {
    channel: masterChannel(),
    exit: (code) => process.exit(code),
    pid: process.pid,
  };
}
