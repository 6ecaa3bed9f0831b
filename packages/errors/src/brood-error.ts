import type { ErrorCode } from './codes.js';

/**
 * The base of every error Brood throws: a stable `code` to match on, a
 * message that names the cause, and the underlying `cause` when there is one.
 *
 * `code` is a string rather than an {@link ErrorCode}: an error rebuilt from
 * another process (a handler's own error answering a request) keeps the
 * code it was thrown with.
 */
export class BroodError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'BroodError';
  }
}

/** Creates a {@link BroodError} with a code of the registry; the only way Brood's own code makes one. */
export function broodError(code: ErrorCode, message: string, cause?: unknown): BroodError {
  return cause === undefined ? new BroodError(code, message) : new BroodError(code, message, { cause });
}
