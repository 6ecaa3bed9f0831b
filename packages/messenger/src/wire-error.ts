import { BroodError, codeOf, ERR, type ErrorCode } from '@brood/errors';
import type { WireError } from './protocol.js';

/** Turns any thrown value into the form that crosses a process boundary, keeping its own code when it has one. */
export function toWireError(error: unknown, fallbackCode: ErrorCode = ERR.UNKNOWN): WireError {
  if (error instanceof Error) {
    const code = codeOf(error) ?? fallbackCode;
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
