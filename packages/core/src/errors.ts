import { BroodError } from '@brood/messenger';

export { BroodError } from '@brood/messenger';

/** Error codes of the shared runtime. Every code is listed with its fix in docs/errors.md. */
export const CoreErrors = {
  /** The app folder does not exist or holds no Brood app. */
  APP_NOT_FOUND: 'ERR_BROOD_APP_NOT_FOUND',
  /** A TypeScript or JavaScript file of the app does not compile. */
  COMPILE_FAILED: 'ERR_BROOD_COMPILE_FAILED',
  /** A file of the app threw while it was imported. */
  LOAD_FAILED: 'ERR_BROOD_LOAD_FAILED',
  /** A config file threw or did not export an object. */
  CONFIG_INVALID: 'ERR_BROOD_CONFIG_INVALID',
  /** A lifecycle hook threw or rejected. */
  HOOK_FAILED: 'ERR_BROOD_HOOK_FAILED',
  /** A process did not finish booting within its start timeout. */
  BOOT_TIMEOUT: 'ERR_BROOD_BOOT_TIMEOUT',
  /** The options handed to a child process are missing or unreadable. */
  BAD_PROCESS_OPTIONS: 'ERR_BROOD_BAD_PROCESS_OPTIONS',
} as const;

/** Error codes of scheduled tasks. Every code is listed with its fix in docs/errors.md. */
export const TaskErrors = {
  /** A file under app/schedule does not define a valid task. */
  TASK_INVALID: 'ERR_BROOD_TASK_INVALID',
  /** `brood run-task` named a task that does not exist. */
  TASK_UNKNOWN: 'ERR_BROOD_TASK_UNKNOWN',
  /** A task run took longer than its `timeout`. */
  TASK_TIMEOUT: 'ERR_BROOD_TASK_TIMEOUT',
  /** A task of type `all` failed in some of the workers. */
  TASK_FAILED: 'ERR_BROOD_TASK_FAILED',
  /** A worker that is closing refused a task run; the agent runs it in another worker. */
  WORKER_CLOSING: 'ERR_BROOD_WORKER_CLOSING',
} as const;

/** The message of whatever was thrown: an Error's message, anything else as a string (`throw 'no db'`). */
export function messageOf(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}

/** Creates a {@link BroodError} with one of the codes above. */
export function broodError(code: string, message: string, cause?: unknown): BroodError {
  return cause === undefined ? new BroodError(code, message) : new BroodError(code, message, { cause });
}
