import { broodError, ERR } from '@brood/errors';

/**
 * The longest `--data` taken, in characters: arguments for a task are a few
 * fields, not a payload. (The request goes to the master on one line of its
 * control socket, which takes 1 MB; Linux passes no single command-line
 * argument longer than 128 KB.)
 */
export const MAX_TASK_ARGS = 64 * 1024;

/**
 * `brood run-task --data '<json>'`: the task's arguments, parsed. Not JSON,
 * or longer than {@link MAX_TASK_ARGS}, is one line naming what is wrong
 * (`ERR_BROOD_TASK_ARGS_INVALID`), before anything is asked of the app.
 * Without `--data` the task gets no arguments (`undefined`).
 */
export function parseTaskArgs(data: string | undefined): unknown {
  if (data === undefined) return undefined;
  if (data.length > MAX_TASK_ARGS) {
    throw broodError(ERR.TASK_ARGS_INVALID, `--data is ${data.length} characters long; at most ${MAX_TASK_ARGS}`);
  }
  try {
    return JSON.parse(data) as unknown;
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : String(error);
    throw broodError(ERR.TASK_ARGS_INVALID, `--data is not JSON: ${reason}; for example --data '{"days":7}'`);
  }
}
