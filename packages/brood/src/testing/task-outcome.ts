import { BroodError, ERR } from '@brood/errors';
import type { RunResult } from '@brood/messenger';

/**
 * A task run as a test wants it: the result of a run that went well (or was
 * skipped: its previous run still goes, and it does not allow overlap), and
 * the task's own error, code and stack, for a run that failed.
 */
export function taskOutcome(result: RunResult): RunResult {
  if (result.outcome !== 'failed') return result;
  const { code, message, stack } = result.error ?? { code: ERR.UNKNOWN, message: `task ${result.name} failed` };
  const error = new BroodError(code, message);
  if (stack !== undefined) error.stack = stack;
  throw error;
}
