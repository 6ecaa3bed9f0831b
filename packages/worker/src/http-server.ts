import { createServer, type Server as HttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Server, type Socket } from 'node:net';
import type { ListenAddress } from '@brood/messenger';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** How long a keep-alive connection may stay idle once the worker closes. */
export const IDLE_GRACE_MS = 1000;

/**
 * The worker's HTTP server, with the two gates Brood needs:
 * - until {@link GatedServer.open} no request reaches app code: requests
 *   that arrive early wait, and run once the whole application is ready;
 * - once {@link GatedServer.close} starts, every response whose headers
 *   are not out yet (those in flight included) says `Connection: close`, so
 *   keep-alive clients move to a worker that stays.
 */
export class GatedServer {
  readonly server: HttpServer;
  #open = false;
  #closing = false;
  #waiting: Array<() => void> = [];
  /**
   * Open connections — those it accepted and those the master handed over —
   * to tell the responses in flight to close theirs when the worker closes,
   * and to know when the last one has ended.
   */
  readonly #sockets = new Set<Socket>();
  /** Called when a connection ends while a close waits for the last one. */
  #onSocketClosed: (() => void) | undefined;

  /** `early` sees each request first, before the gate (health probes): when it answers, nothing else runs. */
  constructor(handler: Listener, early?: (req: IncomingMessage, res: ServerResponse) => boolean) {
    this.server = createServer((req, res) => {
      if (this.#closing) res.setHeader('connection', 'close');
      if (early?.(req, res)) return;
      if (this.#open) handler(req, res);
      else this.#waiting.push(() => handler(req, res));
    });
    // Tracked per connection, not per request: with keep-alive this costs nothing per request.
    this.server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => {
        this.#sockets.delete(socket);
        this.#onSocketClosed?.();
      });
    });
  }

  /** Binds `port` itself: a worker outside a Brood cluster. */
  listen(port: number, host: string | undefined): Promise<ListenAddress> {
    return this.#listen((done) => this.server.listen(port, host, done));
  }

  /** Accepts on a listening socket the master bound and handed over (scheduling policy `none`). */
  listenOn(handle: object): Promise<ListenAddress> {
    return this.#listen((done) => this.server.listen(handle, done));
  }

  /**
   * Under scheduling policy `rr` the server never listens: the master hands
   * it connections ({@link adopt}). Its 'listening' event is emitted all the
   * same, once, for what Node's HTTP server sets up then: the tracking of
   * connections that enforces `headersTimeout` and `requestTimeout`, and
   * lets {@link close} find the idle ones.
   */
  takeHandedOver(): void {
    this.server.emit('listening');
  }

  /**
   * Serves a connection the master accepted and handed over (`rr`), set up
   * as Node's HTTP server sets up those it accepts itself: no Nagle delay,
   * and a client that ends its side may still read the response.
   */
  adopt(socket: Socket): void {
    socket.setNoDelay(true);
    socket.allowHalfOpen = true;
    this.server.emit('connection', socket);
  }

  #listen(start: (done: () => void) => void): Promise<ListenAddress> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      start(() => {
        this.server.off('error', onError);
        const address = this.server.address();
        if (address === null || typeof address === 'string') {
          reject(new Error(`unexpected listen address ${String(address)}`));
          return;
        }
        resolve({ address: address.address, port: address.port, family: address.family });
      });
    });
  }

  /** Lets requests through, those that waited first. */
  open(): void {
    this.#open = true;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const run of waiting) run();
  }

  /**
   * Stops accepting connections and resolves when every connection has
   * ended, or after `timeout` ms, when the rest are cut.
   *
   * Keep-alive connections are not cut when the close starts (Node's own
   * `server.close()` would cut the idle ones): a client may be writing its
   * next request on one at that very moment. Each connection is instead
   * answered with `Connection: close` on its next request, and a connection
   * still idle after {@link IDLE_GRACE_MS} is closed.
   */
  close(timeout: number): Promise<void> {
    this.#closing = true;
    // The responses in flight whose headers are not out yet end their connection too.
    // `_httpMessage` is the response a socket is serving: internal to Node, long stable.
    for (const socket of this.#sockets) {
      const res = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
      if (res !== undefined && res !== null && !res.headersSent) res.setHeader('connection', 'close');
    }
    // A request that waited for app-ready is served rather than dropped.
    this.open();
    return new Promise((resolve) => {
      let serverClosed = false;
      const finish = (): void => {
        clearTimeout(deadline);
        clearInterval(sweep);
        this.#onSocketClosed = undefined;
        resolve();
      };
      // Net's own close waits for the connections it accepted; those the master handed over are
      // not its own, so the close waits for every tracked connection to end.
      const check = (): void => {
        if (serverClosed && this.#sockets.size === 0) finish();
      };
      this.#onSocketClosed = check;
      const deadline = setTimeout(() => {
        this.server.closeAllConnections();
        for (const socket of this.#sockets) socket.destroy();
        finish();
      }, timeout);
      const sweep = setInterval(() => this.server.closeIdleConnections(), IDLE_GRACE_MS);
      Server.prototype.close.call(this.server, () => {
        serverClosed = true;
        check();
      });
    });
  }
}
