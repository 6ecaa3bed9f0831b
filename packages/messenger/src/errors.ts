import type { WireError } from './protocol.js';

/**
 * The base of every error Brood throws: a stable `code` to match on, a
 * message that names the cause, and the underlying `cause` when there is one.
 */
export class BroodError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'BroodError';
  }
}

/** Messenger error codes. Every code is listed with its fix in docs/errors.md. */
export const MessengerErrors = {
  /** A request got no reply within its timeout. */
  REQUEST_TIMEOUT: 'ERR_BROOD_REQUEST_TIMEOUT',
  /** The process a request was sent to exited before it replied. */
  TARGET_GONE: 'ERR_BROOD_TARGET_GONE',
  /** No process matches the target of a message. */
  NO_TARGET: 'ERR_BROOD_NO_TARGET',
  /** The target process has no handler for the requested action. */
  NO_HANDLER: 'ERR_BROOD_NO_HANDLER',
  /** The handler of a request threw; the reply carries its message. */
  HANDLER_FAILED: 'ERR_BROOD_HANDLER_FAILED',
  /** The messenger was closed while a request was pending, or used after close. */
  MESSENGER_CLOSED: 'ERR_BROOD_MESSENGER_CLOSED',
  /** A request was addressed to a group (app, all); requests go to one process. */
  BAD_REQUEST_TARGET: 'ERR_BROOD_BAD_REQUEST_TARGET',
} as const;

/** Turns any thrown value into the form that crosses a process boundary. */
export function toWireError(error: unknown, fallbackCode = 'ERR_BROOD_UNKNOWN'): WireError {
  if (error instanceof Error) {
    const own = (error as { code?: unknown }).code;
    const code = typeof own === 'string' ? own : fallbackCode;
    return error.stack === undefined ? { code, message: error.message } : { code, message: error.message, stack: error.stack };
  }
  return { code: fallbackCode, message: String(error) };
}

/** Rebuilds an error that crossed a process boundary. */
export function fromWireError(wire: WireError): BroodError {
  const error = new BroodError(wire.code, wire.message);
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}
