import { BroodError } from '@brood/core';

/** Error codes of the worker's app loader. Every code is listed with its fix in docs/errors.md. */
export const WorkerErrors = {
  /** A controller file exports nothing callable. */
  CONTROLLER_INVALID: 'ERR_BROOD_CONTROLLER_INVALID',
  /** The router uses a controller (or action) that no file defines. */
  CONTROLLER_NOT_FOUND: 'ERR_BROOD_CONTROLLER_NOT_FOUND',
  /** A service file does not export a class by default. */
  SERVICE_INVALID: 'ERR_BROOD_SERVICE_INVALID',
  /** `config.middleware` names a middleware with no file in app/middleware. */
  MIDDLEWARE_NOT_FOUND: 'ERR_BROOD_MIDDLEWARE_NOT_FOUND',
  /** A middleware file does not export a factory, or the factory returns no function. */
  MIDDLEWARE_INVALID: 'ERR_BROOD_MIDDLEWARE_INVALID',
  /** app/router.ts does not export a function, or it threw. */
  ROUTER_INVALID: 'ERR_BROOD_ROUTER_INVALID',
} as const;

/** Creates a loader error with one of the codes above. */
export function workerError(code: string, message: string, cause?: unknown): BroodError {
  return cause === undefined ? new BroodError(code, message) : new BroodError(code, message, { cause });
}
