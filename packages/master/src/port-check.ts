import { lstatSync, type Stats, unlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { type BroodError, broodError, ERR } from '@brood/errors';
import { isListening } from './control/server.js';

/**
 * The error of a port that cannot be had, `where` naming it: in use
 * (`EADDRINUSE`), or unavailable for the reason `why` says.
 */
export function bindError(where: string, code: string | undefined, why: string, cause?: unknown): BroodError {
  return code === 'EADDRINUSE'
    ? broodError(ERR.PORT_IN_USE, `${where} is already in use`, cause)
    : broodError(ERR.PORT_UNAVAILABLE, `${where} ${why}`, cause);
}

/**
 * Listens on the port once and lets it go, so that a port in use is
 * reported before the master binds it for good: a bind alone does not
 * find a port another process listens on (the conflict shows when
 * listening, which under `none` the first worker would do).
 */
export function checkPort(port: number, host: string | undefined): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      const where = host === undefined ? `port ${port}` : `port ${port} on ${host}`;
      reject(bindError(where, error.code, `cannot be bound: ${error.code ?? error.message}`, error));
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/**
 * The Unix socket the app is to listen on: a socket file nobody accepts on
 * (its master was killed) is stale and removed; one that answers is an
 * instance in service; any other file is refused, never removed.
 */
export async function checkAppSocket(path: string): Promise<void> {
  let stat: Stats;
  try {
    stat = lstatSync(path);
  } catch {
    return;
  }
  if (!stat.isSocket()) throw broodError(ERR.PORT_UNAVAILABLE, `socket ${path} cannot be bound: a file that is not a socket is there`);
  if (await isListening(path)) throw broodError(ERR.PORT_IN_USE, `socket ${path} is already in use`);
  unlinkSync(path);
}
