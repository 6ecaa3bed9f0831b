import { createServer } from 'node:net';
import { broodError, ERR } from '@brood/errors';

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
      if (error.code === 'EADDRINUSE') {
        reject(broodError(ERR.PORT_IN_USE, `${where} is already in use`, error));
      } else {
        reject(broodError(ERR.PORT_UNAVAILABLE, `${where} cannot be bound: ${error.code ?? error.message}`, error));
      }
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}
