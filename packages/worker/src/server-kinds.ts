import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Http2SecureServer, Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Server as HttpsServer } from 'node:https';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { ListenTarget } from '@brood/core';
import { broodError, ERR, messageOf } from '@brood/errors';

/** The server a worker answers on: HTTP, HTTPS, or HTTP/2 over TLS (with HTTP/1.1 for clients without it). */
export type AppServer = HttpServer | HttpsServer | Http2SecureServer;
/** A request of any of them; koa takes both forms. */
export type AppRequest = IncomingMessage | Http2ServerRequest;
export type AppResponse = ServerResponse | Http2ServerResponse;
export type AppListener = (req: AppRequest, res: AppResponse) => void;

/**
 * Makes the server of the listen target: plain HTTP without `tls`; HTTPS,
 * or HTTP/2 with `http2`, with the key and certificate read now — a worker
 * forked by a reload reads the files again, so renewed ones take over
 * without a restart. Files that are not a usable key and certificate stop
 * the worker's boot with one line naming them.
 */
export function createAppServer(target: ListenTarget | undefined, listener: AppListener): AppServer {
  const tls = target?.tls;
  if (tls === undefined) return createHttpServer(listener);
  let options: { key: Buffer; cert: Buffer; ca?: Buffer };
  try {
    options = { key: readFileSync(tls.key), cert: readFileSync(tls.cert), ...(tls.ca === undefined ? {} : { ca: readFileSync(tls.ca) }) };
    // Loaded for a TLS target only: a worker on plain HTTP loads neither (node:http2 and node:https
    // with tls add 1.6 MB to the RSS of a process that already has node:http).
    const load = createRequire(import.meta.url);
    if (target?.http2 === true) {
      const { createSecureServer } = load('node:http2') as typeof import('node:http2');
      return createSecureServer({ ...options, allowHTTP1: true }, listener);
    }
    const { createServer: createHttpsServer } = load('node:https') as typeof import('node:https');
    return createHttpsServer(options, listener);
  } catch (error) {
    throw broodError(ERR.BAD_OPTION, `tls: ${tls.key} and ${tls.cert} are not a usable key and certificate: ${messageOf(error)}`, error);
  }
}

/** The response an HTTP/1 connection is serving now (`_httpMessage`: internal to Node, long stable). */
export function responseOf(socket: Socket): ServerResponse | undefined {
  return (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined;
}

/** True for a connection that speaks HTTP/2: its session closes it, not `Connection: close`. */
export function isHttp2(socket: Socket): boolean {
  return (socket as Socket & { alpnProtocol?: string | false }).alpnProtocol === 'h2';
}
