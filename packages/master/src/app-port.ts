import type { SendHandle } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import { getSystemErrorName } from 'node:util';
import type { Logger } from '@brood/core';
import { broodError, ERR, messageOf } from '@brood/errors';
import { envelope, type ListenAddress, type ListenGrantedMessage } from '@brood/messenger';
import { ConnectionBalancer } from './connection-balancer.js';
import { appUrl } from './listen-options.js';
import type { ResolvedOptions } from './options.js';
import { bindError, checkAppSocket, checkPort } from './port-check.js';
import type { ProcessTable } from './process-table.js';
import type { SupervisedProcess } from './supervised-process.js';

/** A bound TCP socket as Node's `net` makes it for its own cluster: a native handle, not a `net.Server`. */
interface ServerHandle {
  close(): void;
  getsockname(out: Record<string, unknown>): number;
}

type CreateServerHandle = (
  address: string | null,
  port: number,
  addressType: number,
  fd: undefined,
  flags: number,
) => ServerHandle | number;

/**
 * `net._createServerHandle` binds a socket without listening on it in this
 * process: what Node's cluster itself uses (shared_handle.js) to give every
 * worker the same socket under `none`, and the one way Node offers to hold
 * a socket no one in the master accepts on.
 */
const createServerHandle = (net as unknown as { _createServerHandle: CreateServerHandle })._createServerHandle;

/**
 * The app's port, bound once by the master before anything is forked and
 * held for the master's whole life (docs/cluster.md, "Port sharing"), as
 * nginx keeps its listening sockets across worker restarts: with no worker
 * alive, connections wait in the backlog instead of being refused, and a
 * port picked with `0` stays the app's port.
 *
 * Node's cluster would close the shared socket when its last worker
 * leaves, and hang connections it handed to a worker that died
 * (nodejs/node#21746), so Brood shares the port itself:
 * - `none`: each worker gets the bound socket (`listen:granted` carries it)
 *   and accepts on it; the master never does.
 * - `rr`: the master listens, accepts without reading, and hands each
 *   connection to a ready worker ({@link ConnectionBalancer}).
 */
export class AppPort {
  readonly #settings: ResolvedOptions;
  readonly #logger: Logger;
  readonly #balancer: ConnectionBalancer;
  #handle: ServerHandle | undefined;
  #server: net.Server | undefined;
  #address: ListenAddress | undefined;

  constructor(settings: ResolvedOptions, logger: Logger, table: ProcessTable) {
    this.#settings = settings;
    this.#logger = logger;
    this.#balancer = new ConnectionBalancer(table, logger);
  }

  /**
   * How connections reach the workers. A Unix socket is always handed over
   * by the master (`rr`): a cluster worker cannot accept on a pipe socket it
   * was given (Node's net routes any listen on a handle that is not TCP
   * through its own cluster), and a local socket has no kernel balancing
   * worth keeping.
   */
  get #policy(): 'rr' | 'none' {
    return this.#settings.listen.socket === undefined ? this.#settings.schedulingPolicy : 'rr';
  }

  /** Where the app listens, once bound. */
  get address(): ListenAddress | undefined {
    return this.#address;
  }

  /** The URL a person opens: `http(s)://` the bound port, on 127.0.0.1 when the app listens on every interface; `unix:` a socket. */
  get url(): string {
    const { host, port, listen } = this.#settings;
    return appUrl(listen, host, this.address?.port ?? port);
  }

  /** Binds the port (or the Unix socket); one in use or unavailable is one line naming it, before anything is forked. */
  async open(): Promise<void> {
    const { port, host, listen } = this.#settings;
    if (listen.socket !== undefined) {
      await this.#bindSocket(listen.socket, listen.socketMode);
      return;
    }
    const where = host === undefined ? `port ${port}` : `port ${port} on ${host}`;
    let ip: string | null = null;
    let family = 4;
    if (host !== undefined && net.isIP(host) !== 0) {
      ip = host;
      family = net.isIP(host);
    } else if (host !== undefined) {
      try {
        // Loaded only for a host given by name (an address needs no lookup): 0.1 MB of the master's RSS.
        const { lookup } = createRequire(import.meta.url)('node:dns/promises') as typeof import('node:dns/promises');
        ({ address: ip, family } = await lookup(host));
      } catch (error) {
        throw broodError(ERR.PORT_UNAVAILABLE, `${where} cannot be bound: ${messageOf(error)}`, error);
      }
    }
    await checkPort(port, host);
    // No host: `::` with IPv4 mapped in, else 0.0.0.0, as net.Server.listen() does.
    const handle = createServerHandle(ip, port, family, undefined, 0);
    if (typeof handle === 'number') {
      const code = getSystemErrorName(handle);
      throw bindError(where, code, `cannot be bound: ${code}`);
    }
    this.#handle = handle;
    const out: Record<string, unknown> = {};
    handle.getsockname(out);
    this.#address = { address: String(out.address), port: Number(out.port), family: `IPv${String(out.family).replace('IPv', '')}` };
    await this.#listenUnderRr(handle, where);
  }

  /**
   * Binds the app's Unix socket, as Node binds a pipe (port and address
   * type -1), removing a stale file first (port-check.ts), and gives the
   * file its mode before anyone can connect. Shared as the TCP port is.
   */
  async #bindSocket(path: string, mode: number | undefined): Promise<void> {
    await checkAppSocket(path);
    const handle = createServerHandle(path, -1, -1, undefined, 0);
    if (typeof handle === 'number') throw broodError(ERR.PORT_UNAVAILABLE, `socket ${path} cannot be bound: ${getSystemErrorName(handle)}`);
    this.#handle = handle;
    if (mode !== undefined) chmodSync(path, mode);
    this.#address = { address: path, port: 0, family: 'unix' };
    await this.#listenUnderRr(handle, `socket ${path}`);
  }

  /** Under `rr` the master listens on the bound socket and hands each connection over. */
  async #listenUnderRr(handle: ServerHandle, where: string): Promise<void> {
    if (this.#policy !== 'rr') return;
    try {
      await this.#listen(handle);
    } catch (error) {
      this.close();
      throw bindError(where, (error as NodeJS.ErrnoException).code, `cannot be listened on: ${messageOf(error)}`, error);
    }
  }

  /**
   * Answers a worker's `listen:request`: the address, and under `none` the
   * listening socket itself — for a spare, only once it takes a dead
   * worker's place (granted again then).
   */
  grant(proc: SupervisedProcess): void {
    const address = this.#address;
    if (address === undefined || !proc.child.connected) return;
    const policy = this.#policy;
    const standby = proc.spare && policy === 'none';
    const granted = envelope<ListenGrantedMessage>({ type: 'listen:granted', policy, address, ...(standby ? { standby } : {}) });
    // keepOpen: the master keeps its own copy; Node would close it once the worker has its own.
    const handle = policy === 'none' && !standby ? (this.#handle as unknown as SendHandle) : undefined;
    proc.child.send(granted, handle, { keepOpen: true }, (error) => {
      if (error !== null && error !== undefined) this.#logger.debug({ err: error }, `${proc.label} did not get the port`);
    });
  }

  /** A worker confirmed connection `id` (`conn:taken`). */
  taken(proc: SupervisedProcess, id: number): void {
    this.#balancer.taken(proc.pid, id);
  }

  /** Who is ready changed: connections waiting for a worker may go now. */
  sync(): void {
    if (this.#server !== undefined) this.#balancer.sync();
  }

  /**
   * Stops accepting: new connections are refused from now on, and those the
   * master held for want of a worker are closed. Under `none` the workers
   * still hold the socket until each closes its server.
   */
  close(): void {
    this.#server?.close();
    this.#server = undefined;
    this.#balancer.close();
    if (this.#policy === 'none') this.#handle?.close();
    // A Unix socket's file goes with it (a server on a handle it was given does not remove it).
    if (this.#handle !== undefined && this.#address?.family === 'unix') rmSync(this.#address.address, { force: true });
    this.#handle = undefined;
  }

  #listen(handle: ServerHandle): Promise<void> {
    // Paused: the master accepts a connection and passes it on without reading a byte of it.
    const server = net.createServer({ pauseOnConnect: true }, (socket) => this.#balancer.accept(socket));
    this.#server = server;
    let lastError = 0;
    server.on('error', (error) => {
      // accept() fails when the master runs out of descriptors (EMFILE): logged at most once a second.
      if (Date.now() - lastError < 1000) return;
      lastError = Date.now();
      this.#logger.error({ err: error }, `cannot accept a connection: ${messageOf(error)}`);
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(handle, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }
}
