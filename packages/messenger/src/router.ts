import { BroodError, fromWireError, MessengerErrors } from './errors.js';
import { Outbox, unpack, type Write } from './outbox.js';
import { type ActionMessage, type Envelope, envelope, type Peers, type ReplyMessage, type Sender } from './protocol.js';
import { check, preview } from './validate.js';

/** Where the router reports what it drops. */
export interface RouterLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** A child process the router can deliver to. */
interface Endpoint {
  sender: Sender;
  outbox: Outbox;
  /** A worker counts for app, all and random only once it is ready. */
  ready: boolean;
}

/** A request on its way: who asked, and which process must answer. */
interface Pending {
  requester: number;
  seq: number;
  target: number;
}

/** Most messages held for a group that has no members yet (before app-ready, while the agent restarts). */
const MAX_HELD = 100_000;

/**
 * The master's routing table. It knows every child by pid, delivers user
 * actions by target, holds messages for workers until the application is
 * ready (and for the agent while it restarts), answers requests whose target
 * dies, and hands every control envelope to the master.
 *
 * It owns no process: the master adds and removes endpoints as children come
 * and go, which keeps this class testable with plain functions as channels.
 */
export class Router {
  readonly #endpoints = new Map<number, Endpoint>();
  readonly #pending = new Map<string, Pending>();
  readonly #log: RouterLog;
  readonly #onControl: (from: Sender, message: Envelope) => void;
  #agent: number | null = null;
  #appReady = false;
  /** Messages for workers sent before app-ready. */
  #heldForApp: ActionMessage[] = [];
  /** Messages for the agent sent while no agent is ready. */
  #heldForAgent: ActionMessage[] = [];
  readonly #self: Sender = { role: 'master', pid: process.pid };
  /** Requests the master itself sent, by seq. */
  readonly #own = new Map<number, { resolve(value: unknown): void; reject(error: Error): void; timer: NodeJS.Timeout }>();
  #seq = 0;

  constructor(options: { log: RouterLog; onControl: (from: Sender, message: Envelope) => void }) {
    this.#log = options.log;
    this.#onControl = options.onControl;
  }

  /** Registers a child; messages can be addressed to its pid from now on. */
  add(sender: Sender, write: Write): void {
    const outbox = new Outbox(write, (lost) => {
      for (const message of lost) this.#undeliverable(message, `process ${sender.pid} cannot be written to`);
    });
    this.#endpoints.set(sender.pid, { sender, outbox, ready: false });
  }

  /** Marks a child ready: the agent receives what was held for it, a worker joins app, all and random. */
  markReady(pid: number): void {
    const endpoint = this.#endpoints.get(pid);
    if (endpoint === undefined) return;
    endpoint.ready = true;
    if (endpoint.sender.role === 'agent') {
      this.#agent = pid;
      const held = this.#heldForAgent;
      this.#heldForAgent = [];
      for (const message of held) endpoint.outbox.push(message);
    }
  }

  /**
   * Takes a closing child out of app, all and random (and the agent out of
   * `agent`: messages for it are held for its successor). Messages by pid
   * still reach it until it exits.
   */
  markClosing(pid: number): void {
    const endpoint = this.#endpoints.get(pid);
    if (endpoint === undefined) return;
    endpoint.ready = false;
    if (this.#agent === pid) this.#agent = null;
  }

  /** Every worker is ready: deliver what was held for them. */
  markAppReady(): void {
    this.#appReady = true;
    const held = this.#heldForApp;
    this.#heldForApp = [];
    for (const message of held) this.#route(message);
  }

  /** Forgets a child that exited; requests it had not answered fail at once. */
  remove(pid: number): void {
    const endpoint = this.#endpoints.get(pid);
    if (endpoint === undefined) return;
    endpoint.outbox.flush();
    this.#endpoints.delete(pid);
    if (this.#agent === pid) this.#agent = null;
    for (const [key, pending] of this.#pending) {
      if (pending.target === pid) {
        this.#pending.delete(key);
        this.#fail(pending.requester, pending.seq, MessengerErrors.TARGET_GONE, `process ${pid} exited before it replied`);
      } else if (pending.requester === pid) {
        this.#pending.delete(key);
      }
    }
  }

  /** The agent and the ready workers. */
  peers(): Peers {
    const workers: number[] = [];
    for (const endpoint of this.#endpoints.values()) {
      if (endpoint.sender.role === 'worker' && endpoint.ready) workers.push(endpoint.sender.pid);
    }
    return { agent: this.#agent, workers };
  }

  /** Sends a master envelope (handshake, close) to one child. */
  send(pid: number, message: Envelope): void {
    this.#endpoints.get(pid)?.outbox.push(message);
  }

  /** Sends a master envelope to the ready agent and every ready worker. */
  sendToReady(message: Envelope): void {
    for (const endpoint of this.#endpoints.values()) {
      if (endpoint.ready) endpoint.outbox.push(message);
    }
  }

  /** Takes whatever arrived on the channel of child `pid`. */
  receive(pid: number, raw: unknown): void {
    const endpoint = this.#endpoints.get(pid);
    const sender = endpoint?.sender ?? { role: 'worker', pid };
    const checked = check(raw);
    if (!checked.ok) {
      this.#log.warn(
        { from: sender, reason: checked.reason, message: preview(raw) },
        `malformed message from ${sender.role} ${pid} dropped: ${checked.reason}`,
      );
      return;
    }
    unpack(checked.envelope, (message) => {
      if (message.type === 'action' || message.type === 'reply') {
        // The channel says who sent it; the envelope's own claim is not trusted.
        if (message.from.pid !== sender.pid || message.from.role !== sender.role) message.from = sender;
        if (message.type === 'action') this.#route(message);
        else this.#reply(message);
      } else {
        this.#onControl(sender, message);
      }
    });
  }

  /**
   * Sends a request from the master itself (the control socket's
   * `run-task`, `status`) and resolves with the reply; rejects like a
   * client's request on timeout, a missing target or a missing handler.
   */
  request(to: 'agent' | 'random' | number, action: string, data: unknown, timeout: number): Promise<unknown> {
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#own.delete(seq);
        reject(new BroodError(MessengerErrors.REQUEST_TIMEOUT, `request ${action} to ${String(to)} got no reply within ${timeout} ms`));
      }, timeout);
      this.#own.set(seq, { resolve, reject, timer });
      this.#route(envelope<ActionMessage>({ type: 'action', action, data, from: this.#self, to, seq }));
    });
  }

  #route(message: ActionMessage): void {
    const { to } = message;
    if (message.seq !== undefined && (to === 'app' || to === 'all')) {
      this.#fail(message.from.pid, message.seq, MessengerErrors.BAD_REQUEST_TARGET, `a request goes to one process, not to ${to}`);
      return;
    }
    if (to === 'agent') {
      this.#toAgent(message);
      return;
    }
    if (typeof to === 'number') {
      const endpoint = this.#endpoints.get(to);
      if (endpoint === undefined) this.#undeliverable(message, `no process with pid ${to}`);
      else this.#deliver(endpoint, message);
      return;
    }
    if (!this.#appReady) {
      if (this.#heldForApp.length < MAX_HELD) this.#heldForApp.push(message);
      else this.#undeliverable(message, 'too many messages held before app-ready');
      return;
    }
    if (to === 'random') {
      const workers = this.#readyWorkers();
      const chosen = workers[Math.floor(Math.random() * workers.length)];
      if (chosen === undefined) this.#undeliverable(message, 'no ready worker');
      else this.#deliver(chosen, message);
      return;
    }
    if (to === 'all') this.#toAgent(message);
    for (const endpoint of this.#readyWorkers()) endpoint.outbox.push(message);
  }

  #toAgent(message: ActionMessage): void {
    const agent = this.#agent === null ? undefined : this.#endpoints.get(this.#agent);
    if (agent !== undefined) {
      this.#deliver(agent, message);
    } else if (this.#heldForAgent.length < MAX_HELD) {
      this.#heldForAgent.push(message);
    } else {
      this.#undeliverable(message, 'too many messages held while the agent is down');
    }
  }

  #deliver(endpoint: Endpoint, message: ActionMessage): void {
    if (message.seq !== undefined) {
      this.#pending.set(`${message.from.pid}:${message.seq}`, {
        requester: message.from.pid,
        seq: message.seq,
        target: endpoint.sender.pid,
      });
    }
    endpoint.outbox.push(message);
  }

  #reply(message: ReplyMessage): void {
    this.#pending.delete(`${message.to}:${message.ack}`);
    if (message.to === this.#self.pid) {
      this.#settleOwn(message);
      return;
    }
    const endpoint = this.#endpoints.get(message.to);
    if (endpoint === undefined) {
      this.#log.warn({ from: message.from, to: message.to }, `reply to process ${message.to} dropped: it exited`);
      return;
    }
    endpoint.outbox.push(message);
  }

  #readyWorkers(): Endpoint[] {
    const workers: Endpoint[] = [];
    for (const endpoint of this.#endpoints.values()) {
      if (endpoint.sender.role === 'worker' && endpoint.ready) workers.push(endpoint);
    }
    return workers;
  }

  #undeliverable(message: Envelope, reason: string): void {
    if (message.type === 'action' && message.seq !== undefined) {
      this.#fail(message.from.pid, message.seq, MessengerErrors.NO_TARGET, `${message.action}: ${reason}`);
      return;
    }
    const action = message.type === 'action' ? message.action : message.type;
    this.#log.warn({ action, reason }, `message ${action} not delivered: ${reason}`);
  }

  #settleOwn(reply: ReplyMessage): void {
    const waiting = this.#own.get(reply.ack);
    if (waiting === undefined) return;
    this.#own.delete(reply.ack);
    clearTimeout(waiting.timer);
    if (reply.ok) waiting.resolve(reply.data);
    else waiting.reject(fromWireError(reply.error ?? { code: 'ERR_BROOD_UNKNOWN', message: 'request failed' }));
  }

  #fail(requester: number, seq: number, code: string, text: string): void {
    const error = new BroodError(code, text);
    if (requester === this.#self.pid) {
      this.#settleOwn(
        envelope<ReplyMessage>({ type: 'reply', ack: seq, from: this.#self, to: requester, ok: false, error: { code, message: text } }),
      );
      return;
    }
    this.#endpoints.get(requester)?.outbox.push(
      envelope<ReplyMessage>({
        type: 'reply',
        ack: seq,
        from: this.#self,
        to: requester,
        ok: false,
        error: { code: error.code, message: error.message },
      }),
    );
  }
}
