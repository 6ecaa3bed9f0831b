import { chmodSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2Session } from 'node:http2';
import { Server, type Socket } from 'node:net';
import type { ListenTarget } from '@brood/core';
import type { ListenAddress } from '@brood/messenger';
import {
  type AppListener,
  type AppRequest,
  type AppResponse,
  type AppServer,
  createAppServer,
  isHttp2,
  responseOf,
} from './server-kinds.js';

/** How long a keep-alive connection may stay idle once the worker closes. */
export const IDLE_GRACE_MS = 1000;

/**
 * The worker's server — HTTP, HTTPS or HTTP/2 (server-kinds.ts) — with the
 * two gates Brood needs:
 * - until {@link GatedServer.open} no request reaches app code: requests
 *   that arrive early wait, and run once the whole application is ready;
 * - once {@link GatedServer.close} starts, every HTTP/1 response whose
 *   headers are not out yet (those in flight included) says
 *   `Connection: close`, and every HTTP/2 session is sent GOAWAY, so
 *   clients move to a worker that stays while what is in flight finishes.
 */
export class GatedServer {
  readonly server: AppServer;
  readonly #handler: AppListener;
  /** The server's request listener now: waiting, serving, or serving with `Connection: close`. */
  #listener: AppListener;
  #closing = false;
  #waiting: Array<() => void> = [];
  /**
   * Open connections — those it accepted and those the master handed over —
   * to know when the last one has ended.
   */
  readonly #sockets = new Set<Socket>();
  /** The TLS side of each connection of a TLS server: where its HTTP/1 response in flight is found. */
  readonly #secure = new Set<Socket>();
  /** Open HTTP/2 sessions, each closed with GOAWAY when the worker closes. */
  readonly #sessions = new Set<Http2Session>();
  /** Called when a connection ends while a close waits for the last one. */
  #onSocketClosed: (() => void) | undefined;

  /**
   * `early` sees each request first, before the gate (health probes): when
   * it answers, nothing else runs. `target` says HTTPS, HTTP/2 or a Unix
   * socket; plain HTTP without it.
   */
  constructor(handler: AppListener, early?: (req: IncomingMessage, res: ServerResponse) => boolean, target?: ListenTarget) {
    // Once open, the app's handler is the server's listener itself (with the probes before it, when
    // there are some): each gate is a listener of its own, swapped when the gate changes, so that a
    // request pays no check of it. bench/profile-worker.mjs, self time a request under wrk, 2 runs
    // each: the gate's function 0.22–0.55 µs and the front's 0.2 µs, beside the request id's 2–6 µs
    // with what it called, before; the probes' check here and the front's method dispatch, 0.4–0.5 µs
    // together, after.
    // The probes read and answer through the members HTTP/2's compatibility objects share with Node's.
    const probe = early as ((req: AppRequest, res: AppResponse) => boolean) | undefined;
    this.#handler = probe === undefined ? handler : (req, res) => probe(req, res) || handler(req, res);
    this.#listener = (req, res) => {
      if (probe?.(req, res)) return;
      this.#waiting.push(() => handler(req, res));
    };
    this.server = createAppServer(target, this.#listener);
    // Tracked per connection, not per request: with keep-alive this costs nothing per request.
    this.server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => {
        this.#sockets.delete(socket);
        this.#onSocketClosed?.();
      });
    });
    this.server.on('secureConnection', (socket: Socket) => {
      this.#secure.add(socket);
      socket.once('close', () => this.#secure.delete(socket));
    });
    this.server.on('session', (session: Http2Session) => {
      this.#sessions.add(session);
      session.once('close', () => this.#sessions.delete(session));
      if (this.#closing) session.close();
    });
  }

  /** Binds `port` itself: a worker outside a Brood cluster. */
  listen(port: number, host: string | undefined): Promise<ListenAddress> {
    return this.#listen((done) => this.server.listen(port, host, done));
  }

  /** Binds a Unix socket itself (a worker outside a Brood cluster), and gives the file `mode`. */
  async listenPath(path: string, mode: number | undefined): Promise<ListenAddress> {
    const address = await this.#listen((done) => this.server.listen(path, done));
    if (mode !== undefined) chmodSync(path, mode);
    return address;
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
   * and a client that ends its side may still read the response. A TLS
   * server starts its handshake on it.
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
        if (typeof address === 'string') resolve({ address, port: 0, family: 'unix' });
        else if (address === null) reject(new Error('the server listens on no address'));
        else resolve({ address: address.address, port: address.port, family: address.family });
      });
    });
  }

  /** Lets requests through, those that waited first. */
  open(): void {
    // Once closing, the close has let the waiting requests through under its own gate.
    if (this.#closing) return;
    if (this.#listener !== this.#handler) this.#gate(this.#handler);
    this.#release();
  }

  /** Makes `listener` the server's request listener. */
  #gate(listener: AppListener): void {
    this.server.off('request', this.#listener);
    this.server.on('request', listener);
    this.#listener = listener;
  }

  /** Runs the requests that waited for app-ready. */
  #release(): void {
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
   * next request on one at that very moment. Each HTTP/1 connection is
   * instead answered with `Connection: close` on its next request, and one
   * still idle after {@link IDLE_GRACE_MS} is closed; each HTTP/2 session
   * gets GOAWAY, finishes its streams and ends.
   */
  close(timeout: number): Promise<void> {
    this.#closing = true;
    const handler = this.#handler;
    this.#gate((req, res) => {
      // HTTP/2 has no Connection header (setting one throws): its session's GOAWAY says it.
      if (req.httpVersionMajor < 2) res.setHeader('connection', 'close');
      handler(req, res);
    });
    // The responses in flight whose headers are not out yet end their connection too.
    for (const socket of [...this.#sockets, ...this.#secure]) {
      const res = responseOf(socket);
      if (res !== undefined && !res.headersSent) res.setHeader('connection', 'close');
    }
    for (const session of this.#sessions) session.close();
    // A request that waited for app-ready is served rather than dropped.
    this.#release();
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
        if ('closeAllConnections' in this.server) this.server.closeAllConnections();
        for (const session of this.#sessions) session.destroy();
        for (const socket of this.#sockets) socket.destroy();
        finish();
      }, timeout);
      const sweep = setInterval(() => this.#closeIdle(), IDLE_GRACE_MS);
      Server.prototype.close.call(this.server, () => {
        serverClosed = true;
        check();
      });
    });
  }

  /**
   * Closes the HTTP/1 connections that serve no request now. HTTP and HTTPS
   * servers know which connection is between requests (Node's parser); the
   * HTTP/2 server's HTTP/1.1 connections are closed when no response is out.
   */
  #closeIdle(): void {
    if ('closeIdleConnections' in this.server) {
      this.server.closeIdleConnections();
      return;
    }
    for (const socket of this.#secure) {
      if (!isHttp2(socket) && responseOf(socket) === undefined) socket.destroy();
    }
  }
}
