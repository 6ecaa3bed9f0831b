import { broodError, ERR, messageOf } from '@brood/errors';
import type { ActionName, BroadcastOptions, DataOf, Handler, ReplyOf, SendOptions } from './actions.js';
import type { CallArgs, CallHandler, CallMethod, CallResult } from './calls.js';
import { Handlers } from './handlers.js';
import { unpack, type WriteResult } from './outbox.js';
import {
  type ActionMessage,
  type CallMessage,
  type Envelope,
  envelope,
  type Peers,
  type RequestTarget,
  type Role,
  type Sender,
  type Target,
} from './protocol.js';
import { type RequestObserver, Requests } from './requests.js';
import { Uplink } from './uplink.js';
import { check } from './validate.js';

/** How much longer a worker waits for a leader request than the agent that carries it. */
const LEADER_REPLY_MARGIN_MS = 1000;

/** The channel to the master: `process.send` and `process.on('message')` in a child. */
export interface Transport {
  /** Writes one envelope; `written` runs once it has left this process (see {@link Write}). */
  send(message: Envelope, written: () => void): WriteResult;
  onMessage(listener: (raw: unknown) => void): void;
}

/** Where the messenger reports what it drops. */
export interface MessengerLog {
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** Options of {@link Messenger}. */
export interface MessengerOptions {
  role: Exclude<Role, 'master'>;
  /** The pid this messenger signs with. Default `process.pid`; brood/testing runs agent and worker in one process under two. */
  pid?: number;
  transport: Transport;
  log: MessengerLog;
  /** Default `request` timeout in ms. */
  requestTimeout?: number;
  /** What may wait to be written to the master, in estimated bytes; past it sends are dropped and requests refused. Default 64 MB. */
  maxPendingBytes?: number;
  /** Receives the master's control envelopes (handshake, peers, close). */
  onControl?: (message: Envelope) => void;
  /** Times every request and call (metrics on). */
  observeRequest?: RequestObserver;
}

/**
 * The messenger of an agent or a worker. Every call goes to the master,
 * which routes it; what one tick sends leaves in one IPC write.
 *
 * Incoming actions are held until {@link Messenger.open} is called, so a
 * handler registered while the app boots sees messages sent before it was
 * registered.
 */
export class Messenger<A = Record<never, never>> {
  readonly #self: Sender;
  readonly #uplink: Uplink;
  readonly #log: MessengerLog;
  readonly #handlers: Handlers<A>;
  readonly #requests: Requests;
  readonly #timeout: number;
  readonly #onControl: (message: Envelope) => void;
  #held: Array<ActionMessage | CallMessage> | null = [];
  #closed = false;
  #peers: Peers = { agent: null, workers: [] };

  constructor(options: MessengerOptions) {
    this.#self = { role: options.role, pid: options.pid ?? process.pid };
    this.#log = options.log;
    this.#timeout = options.requestTimeout ?? 5000;
    this.#onControl = options.onControl ?? (() => {});
    this.#requests = new Requests(options.observeRequest);
    this.#uplink = new Uplink(
      (message, written) => options.transport.send(message, written),
      options.log,
      options.maxPendingBytes,
      (seq, error) => this.#requests.fail(seq, error),
    );
    this.#handlers = new Handlers(this.#self, this.#uplink, options.log);
    options.transport.onMessage((raw) => this.#receive(raw));
  }

  /** The pid of the agent and of every ready worker, as last told by the master. */
  get peers(): Peers {
    return this.#peers;
  }

  /** @internal Updates {@link peers}; called by the runtime on app-ready and on changes. */
  setPeers(peers: Peers): void {
    this.#peers = peers;
  }

  /** Sends an action to the agent. */
  sendToAgent<K extends ActionName<A>>(action: K, data: DataOf<A, K>): void {
    this.#send('agent', action, data);
  }

  /**
   * Sends an action to every ready worker. With `{ retain: true }` the master keeps it as the action's
   * last value, and every worker that becomes ready later (a refork, a reload) receives it before it serves.
   */
  sendToApp<K extends ActionName<A>>(action: K, data: DataOf<A, K>, options?: SendOptions): void {
    this.#send('app', action, data, options?.retain === true);
  }

  /**
   * Sends an action to the agent and every ready worker, this process
   * included. With `{ scope: 'cluster' }`, to every agent and worker of
   * every instance of the application: this instance's over IPC, the others
   * through Redis, at most once (docs/messenger.md). Without cluster mode a
   * cluster broadcast stays on this host. `{ retain: true }` (this host only): as for {@link sendToApp}.
   */
  broadcast<K extends ActionName<A>>(action: K, data: DataOf<A, K>, options: BroadcastOptions = {}): void {
    if (options.scope !== 'cluster') {
      this.#send('all', action, data, options.retain === true);
      return;
    }
    this.call('agent', 'cluster:broadcast', { action, data }).catch((error: unknown) =>
      this.#log.warn({ err: error, action }, `cluster broadcast ${action} failed: ${messageOf(error)}`),
    );
  }

  /**
   * Sends an action to the agent that leads the application (cluster mode:
   * whichever instance holds the leader lease; otherwise this host's agent).
   * A failure (no leader during an election, Redis lost) is logged.
   */
  sendToLeader<K extends ActionName<A>>(action: K, data: DataOf<A, K>): void {
    this.call('agent', 'cluster:send-leader', { action, data }).catch((error: unknown) =>
      this.#log.warn({ err: error, action }, `${action} to the leader failed: ${messageOf(error)}`),
    );
  }

  /** Sends an action to one ready worker chosen by the master. */
  sendRandom<K extends ActionName<A>>(action: K, data: DataOf<A, K>): void {
    this.#send('random', action, data);
  }

  /** Sends an action to the process with this pid (the agent or a worker). */
  sendTo<K extends ActionName<A>>(pid: number, action: K, data: DataOf<A, K>): void {
    this.#send(pid, action, data);
  }

  /**
   * Sends an action to one process and resolves with what its handler returns.
   * Rejects with `ERR_BROOD_REQUEST_TIMEOUT` after `timeout` ms, with
   * `ERR_BROOD_TARGET_GONE` when the target exits first, with
   * `ERR_BROOD_TARGET_BUSY` at once when what waits for the target (or for
   * the master) reached `maxPendingBytes`, and with the handler's error when
   * it throws. Exactly one of these happens. `'leader'` asks the agent that
   * leads the application, on whichever host (docs/messenger.md); it also
   * rejects with `ERR_BROOD_NO_LEADER` during an election and
   * `ERR_BROOD_CLUSTER_UNREACHABLE` while Redis is lost.
   */
  request<K extends ActionName<A>>(
    target: RequestTarget | 'leader',
    action: K,
    data: DataOf<A, K>,
    options: { timeout?: number } = {},
  ): Promise<ReplyOf<A, K>> {
    if (this.#closed) return this.#refuse(action);
    const timeout = options.timeout ?? this.#timeout;
    if (target === 'leader') {
      // The agent asks the leader with `timeout` and answers with its reply or its error (a timeout
      // included); the margin lets that answer come back before this call's own clock runs out.
      const reply = this.call('agent', 'cluster:request-leader', { action, data, timeout }, { timeout: timeout + LEADER_REPLY_MARGIN_MS });
      return reply as Promise<ReplyOf<A, K>>;
    }
    const what = `request ${action} to ${String(target)}`;
    const { seq, reply } = this.#requests.open(what, timeout);
    this.#ask(envelope<ActionMessage>({ type: 'action', action, data, from: this.#self, to: target, seq }), what);
    return reply as Promise<ReplyOf<A, K>>;
  }

  /**
   * @internal Makes one of Brood's own calls and resolves with its result.
   * `timeout: null` waits until the target answers or is gone.
   */
  call<M extends CallMethod>(
    target: RequestTarget,
    method: M,
    args: CallArgs<M>,
    options: { timeout?: number | null } = {},
  ): Promise<CallResult<M>> {
    if (this.#closed) return this.#refuse(method);
    const timeout = options.timeout === undefined ? this.#timeout : options.timeout;
    const what = `call ${method} to ${String(target)}`;
    const { seq, reply } = this.#requests.open(what, timeout);
    this.#ask(envelope<CallMessage<M>>({ type: 'call', method, args, from: this.#self, to: target, seq }), what);
    return reply as Promise<CallResult<M>>;
  }

  /** @internal Answers one of Brood's own calls in this process. */
  handle<M extends CallMethod>(method: M, handler: CallHandler<M>): this {
    this.#handlers.handle(method, handler);
    return this;
  }

  /** Registers a handler for an action. */
  on<K extends ActionName<A>>(action: K, handler: Handler<A, K>): this {
    this.#handlers.on(action, handler);
    return this;
  }

  /** Registers a handler that runs for the next message of an action only. */
  once<K extends ActionName<A>>(action: K, handler: Handler<A, K>): this {
    const wrapper: Handler<A, K> = (data, meta) => {
      this.off(action, wrapper);
      return handler(data, meta);
    };
    return this.on(action, wrapper);
  }

  /** Removes a handler, or every handler of the action when none is given. */
  off<K extends ActionName<A>>(action: K, handler?: Handler<A, K>): this {
    this.#handlers.off(action, handler);
    return this;
  }

  /** Starts dispatching incoming actions, first those held while the app booted. */
  open(): void {
    const held = this.#held;
    this.#held = null;
    for (const message of held ?? []) this.#handlers.dispatch(message);
  }

  /** Writes everything queued now, whatever the channel's buffer holds: before an exit, so nothing is left behind. */
  flush(): void {
    this.#uplink.drain();
  }

  /** Messages this process dropped since it started: refused past `maxPendingBytes`, sent after close, malformed from the master. */
  get dropped(): number {
    return this.#uplink.drops.total;
  }

  /** Fails every pending request; later requests reject at once. */
  close(): void {
    this.#closed = true;
    this.#uplink.drain();
    this.#requests.failAll(broodError(ERR.MESSENGER_CLOSED, 'the messenger closed before a reply came'));
    this.#uplink.drops.flush();
  }

  #refuse(what: string): Promise<never> {
    return Promise.reject(broodError(ERR.MESSENGER_CLOSED, `cannot request ${what}: the messenger is closed`));
  }

  #send(to: Target, action: string, data: unknown, retain = false): void {
    if (this.#closed) {
      this.#uplink.drops.undelivered('message', action, 'the messenger is closed');
      return;
    }
    this.#uplink.send(envelope<ActionMessage>({ type: 'action', action, data, from: this.#self, to, ...(retain ? { retain: true } : {}) }));
  }

  /** Queues a request or a call; one the bound refuses fails at once. `what` names it in the error. */
  #ask(message: ActionMessage | CallMessage, what: string): void {
    const refused = this.#uplink.ask(message, what);
    if (refused !== undefined) this.#requests.fail(message.seq as number, refused);
  }

  #receive(raw: unknown): void {
    const checked = check(raw);
    if (!checked.ok) {
      this.#uplink.drops.malformed('the master', checked.reason, raw);
      return;
    }
    unpack(checked.envelope, (message) => {
      if (message.type === 'action' || message.type === 'call') {
        if (this.#held === null) this.#handlers.dispatch(message);
        else this.#held.push(message);
      } else if (message.type === 'reply') {
        this.#requests.settle(message);
      } else {
        this.#onControl(message);
      }
    });
  }
}
