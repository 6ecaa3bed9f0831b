import { accessSync, constants, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ListenTarget } from '@brood/core';
import { broodError, ERR } from '@brood/errors';
import { MAX_SOCKET_PATH } from './control/paths.js';

/** How the workers listen, besides the port and host; part of MasterOptions. */
export interface ListenOptions {
  /**
   * Serve HTTPS: PEM files (relative to the app folder). Each worker reads
   * them as it starts, so `brood reload` puts renewed ones in service.
   */
  tls?: { key: string; cert: string; ca?: string };
  /** With `tls`: HTTP/2, and HTTP/1.1 for the clients that do not speak it (ALPN). Default false. */
  http2?: boolean;
  /** Listen on this Unix socket path (relative to the app folder) instead of host and port. */
  socket?: string;
  /** The mode of the socket file, as `'660'` or `0o660`. Default: what the umask leaves. */
  socketMode?: string | number;
}

function readable(name: string, file: string): void {
  try {
    accessSync(file, constants.R_OK);
  } catch (error) {
    throw broodError(ERR.BAD_OPTION, `${name} ${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, error);
  }
  if (!statSync(file).isFile()) throw broodError(ERR.BAD_OPTION, `${name} ${file} is not a file`);
}

function mode(value: string | number): number {
  const parsed =
    typeof value === 'number' ? value : /^0?o?[0-7]{3}$/.test(value) ? Number.parseInt(value.replace(/^0?o?/, ''), 8) : Number.NaN;
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 0o777) {
    throw broodError(ERR.BAD_OPTION, `socketMode must be an octal mode such as '660', got ${JSON.stringify(value)}`);
  }
  return parsed;
}

/**
 * Settles and checks how the workers listen: files that cannot be read, a
 * socket path too long for the OS, HTTP/2 without TLS are refused before
 * anything starts, each in one line naming the option.
 */
export function resolveListen(baseDir: string, pick: <K extends keyof ListenOptions>(key: K) => ListenOptions[K]): ListenTarget {
  const target: ListenTarget = {};
  const tls = pick('tls');
  if (tls !== undefined) {
    if (typeof tls !== 'object' || typeof tls.key !== 'string' || typeof tls.cert !== 'string' || tls.key === '' || tls.cert === '') {
      throw broodError(ERR.BAD_OPTION, 'tls needs both key and cert, the paths of PEM files (--tls-key and --tls-cert)');
    }
    target.tls = { key: resolve(baseDir, tls.key), cert: resolve(baseDir, tls.cert) };
    if (typeof tls.ca === 'string') target.tls.ca = resolve(baseDir, tls.ca);
    for (const [name, file] of Object.entries(target.tls)) readable(`tls.${name}`, file);
  }
  if (pick('http2') === true) {
    if (target.tls === undefined) throw broodError(ERR.BAD_OPTION, 'http2 needs tls: browsers and most clients speak HTTP/2 over TLS only');
    target.http2 = true;
  }
  const socket = pick('socket');
  if (socket !== undefined) {
    target.socket = resolve(baseDir, socket);
    if (target.socket.length > MAX_SOCKET_PATH) {
      throw broodError(ERR.BAD_OPTION, `socket ${target.socket} is longer than ${MAX_SOCKET_PATH} characters, too long for a Unix socket`);
    }
    const socketMode = pick('socketMode');
    if (socketMode !== undefined) target.socketMode = mode(socketMode);
  }
  return target;
}

/**
 * The URL the app serves on: `https://127.0.0.1:7443`, or for a Unix
 * socket `unix:/run/shop.sock` (`https+unix:` with TLS). An address that
 * means every interface is shown as 127.0.0.1; IPv6 in brackets.
 */
export function appUrl(target: ListenTarget, host: string | undefined, port: number): string {
  const scheme = target.tls === undefined ? 'http' : 'https';
  if (target.socket !== undefined) return `${scheme === 'http' ? '' : 'https+'}unix:${target.socket}`;
  const shown = host === undefined || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `${scheme}://${shown}:${port}`;
}
