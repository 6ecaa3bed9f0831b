import { BroodError } from '@brood/core';

/** Error codes of the master. Every code is listed with its fix in docs/errors.md. */
export const MasterErrors = {
  /** Another process listens on the port. */
  PORT_IN_USE: 'ERR_BROOD_PORT_IN_USE',
  /** The port cannot be bound for another reason (permission, bad address). */
  PORT_UNAVAILABLE: 'ERR_BROOD_PORT_UNAVAILABLE',
  /** The agent failed or exited while booting. */
  AGENT_START_FAILED: 'ERR_BROOD_AGENT_START_FAILED',
  /** The agent did not report ready within `agentStartTimeout`. */
  AGENT_START_TIMEOUT: 'ERR_BROOD_AGENT_START_TIMEOUT',
  /** A worker failed or exited while booting. */
  WORKER_START_FAILED: 'ERR_BROOD_WORKER_START_FAILED',
  /** A worker did not report ready within `workerStartTimeout`. */
  WORKER_START_TIMEOUT: 'ERR_BROOD_WORKER_START_TIMEOUT',
  /** Processes crashed more often than the restart limit allows. */
  TOO_MANY_RESTARTS: 'ERR_BROOD_TOO_MANY_RESTARTS',
  /** A reload could not complete; the processes that were serving still serve. */
  RELOAD_FAILED: 'ERR_BROOD_RELOAD_FAILED',
  /** The master is not running (still starting, or stopping). */
  NOT_RUNNING: 'ERR_BROOD_NOT_RUNNING',
  /** Another master of the same app and title is running. */
  ALREADY_RUNNING: 'ERR_BROOD_ALREADY_RUNNING',
  /** A control-socket request was not understood. */
  BAD_CONTROL_REQUEST: 'ERR_BROOD_BAD_CONTROL_REQUEST',
  /** The master did not answer a control request in time. */
  CONTROL_TIMEOUT: 'ERR_BROOD_CONTROL_TIMEOUT',
  /** The pid file names a live master, but its control socket is gone. */
  CONTROL_UNREACHABLE: 'ERR_BROOD_CONTROL_UNREACHABLE',
  /** An option has a value the master cannot use. */
  BAD_OPTION: 'ERR_BROOD_BAD_OPTION',
} as const;

/** Creates a master error with one of the codes above. */
export function masterError(code: string, message: string, cause?: unknown): BroodError {
  return cause === undefined ? new BroodError(code, message) : new BroodError(code, message, { cause });
}
