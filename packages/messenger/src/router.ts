import { broodError, ERR, type ErrorCode } from '@brood/errors';
import type { CallArgs, CallMethod, CallResult } from './calls.js';
import { Outbox, unpack, type Write } from './outbox.js';
import {
  type ActionMessage,
  type CallMessage,
  type Envelope,
  envelope,
  type ReplyMessage,
  type RequestMessage,
  type RequestTarget,
  type Sender,
} from './protocol.js';
import { Requests } from './requests.js';
import { check, preview } from './validate.js';

/** Where the router reports what it drops. */
export interface RouterLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * Who takes messages now. The router keeps no state of its own about the
 * processes: the master's process table answers, so that the supervisor,
 * the router and `brood status` read one truth.
 */
export interface Directory {
  /** The agent that takes messages now (ready, not closing), if any. */
  agent(): number | undefined;
  /** The workers that take `app`, `all` and `random` messages now. */
  readyWorkers(): readonly number[];
  /** True once every worker has been ready: messages for workers are held until then. */
  appReady(): boolean;
}

/** A child the router can write to. */
interface Channel {
  sender: Sender;
  outbox: Outbox;
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
 * The master's routing table. It delivers user actions and Brood's calls by
 * target, holds messages for workers until the application is ready (and
 * for the agent while it restarts), answers requests whose target dies, and
 * hands every other envelope to the master.
 *
 * It owns no process: the master opens a channel when it forks a child and
 * closes it when the child exits, and its process table says who is ready,
 * which keeps this class testable with plain functions as channels.
 */
export class Router {
  readonly #channels = new Map<number, Channel>();
  readonly #pending = new Map<string, Pending>();
  readonly #log: RouterLog;
  readonly #directory: Directory;
  readonly #onControl: (from: Sender, message: Envelope) => void;
  /** Messages for workers sent before app-ready. */
  #heldForApp: ActionMessage[] = [];
  /** Messages for the agent sent while no agent takes them. */
  #heldForAgent: Array<ActionMessage | CallMessage> = [];
  readonly #self: Sender = { role: 'master', pid: process.pid };
  /** Calls the master itself made. */
  readonly #own = new Requests();

  constructor(options: { log: RouterLog; directory: Directory; onControl: (from: Sender, message: Envelope) => void }) {
    this.#log = options.log;
    this.#directory = options.directory;
    this.#onControl = options.onControl;
  }

  /** Opens the channel of a new child: messages can be addressed to its pid from now on. */
  open(sender: Sender, write: Write): void {
    const outbox = new Outbox(write, (lost) => {
      for (const message of lost) this.#undeliverable(message, `process ${sender.pid} cannot be written to`);
    });
    this.#channels.set(sender.pid, { sender, outbox });
  }

  /**
   * Delivers what was held for processes that take messages now: for the
   * agent once one is ready, for the workers once the app is. Called when
   * the process table changes; does nothing when nothing can go.
   */
  release(): void {
    const agent = this.#directory.agent();
    if (agent !== undefined && this.#heldForAgent.length > 0) {
      const held = this.#heldForAgent;
      this.#heldForAgent = [];
      for (const message of held) this.#toAgent(message);
    }
    if (this.#directory.appReady() && this.#heldForApp.length > 0) {
      const held = this.#heldForApp;
      this.#heldForApp = [];
      for (const message of held) this.#route(message);
    }
  }

  /** Closes the channel of a child that exited; requests it had not answered fail at once. */
  close(pid: number): void {
    const channel = this.#channels.get(pid);
    if (channel === undefined) return;
    channel.outbox.flush();
    this.#channels.delete(pid);
    for (const [key, pending] of this.#pending) {
      if (pending.target === pid) {
        this.#pending.delete(key);
        this.#fail(pending.requester, pending.seq, ERR.TARGET_GONE, `process ${pid} exited before it replied`);
      } else if (pending.requester === pid) {
        this.#pending.delete(key);
      }
    }
  }

  /** Sends a master envelope (handshake, close) to one child. */
  send(pid: number, message: Envelope): void {
    this.#channels.get(pid)?.outbox.push(message);
  }

  /** Takes whatever arrived on the channel of child `pid`. */
  receive(pid: number, raw: unknown): void {
    const sender = this.#channels.get(pid)?.sender ?? { role: 'worker', pid };
    const checked = check(raw);
    if (!checked.ok) {
      this.#log.warn(
        { from: sender, reason: checked.reason, message: preview(raw) },
        `malformed message from ${sender.role} ${pid} dropped: ${checked.reason}`,
      );
      return;
    }
    unpack(checked.envelope, (message) => {
      if (message.type === 'action' || message.type === 'call' || message.type === 'reply') {
        // The channel says who sent it; the envelope's own claim is not trusted.
        if (message.from.pid !== sender.pid || message.from.role !== sender.role) message.from = sender;
        if (message.type === 'reply') this.#reply(message);
        else this.#route(message);
      } else {
        this.#onControl(sender, message);
      }
    });
  }

  /**
   * Makes one of Brood's calls from the master itself (`brood status`,
   * `run-task`, the stop of the clock) and resolves with its result; rejects
   * on timeout, a missing target or handler, or when the target exits.
   * `timeout: null` waits until the target answers or is gone.
   */
  call<M extends CallMethod>(to: RequestTarget, method: M, args: CallArgs<M>, timeout: number | null): Promise<CallResult<M>> {
    const { seq, reply } = this.#own.open(`call ${method} to ${String(to)}`, timeout);
    this.#route(envelope<CallMessage<M>>({ type: 'call', method, args, from: this.#self, to, seq }));
    return reply as Promise<CallResult<M>>;
  }

  #route(message: ActionMessage | CallMessage): void {
    const { to } = message;
    if (message.type === 'action' && message.seq !== undefined && (to === 'app' || to === 'all')) {
      this.#fail(message.from.pid, message.seq, ERR.BAD_REQUEST_TARGET, `a request goes to one process, not to ${to}`);
      return;
    }
    if (to === 'agent') {
      this.#toAgent(message);
      return;
    }
    if (typeof to === 'number') {
      const channel = this.#channels.get(to);
      if (channel === undefined) this.#undeliverable(message, `no process with pid ${to}`);
      else this.#deliver(channel, message);
      return;
    }
    if (!this.#directory.appReady()) {
      if (this.#heldForApp.length < MAX_HELD) this.#heldForApp.push(message as ActionMessage);
      else this.#undeliverable(message, 'too many messages held before app-ready');
      return;
    }
    const workers = this.#directory.readyWorkers();
    if (to === 'random') {
      const chosen = workers[Math.floor(Math.random() * workers.length)];
      const channel = chosen === undefined ? undefined : this.#channels.get(chosen);
      if (channel === undefined) this.#undeliverable(message, 'no ready worker');
      else this.#deliver(channel, message);
      return;
    }
    if (to === 'all') this.#toAgent(message);
    for (const pid of workers) this.#channels.get(pid)?.outbox.push(message);
  }

  #toAgent(message: ActionMessage | CallMessage): void {
    const agent = this.#directory.agent();
    const channel = agent === undefined ? undefined : this.#channels.get(agent);
    if (channel !== undefined) {
      this.#deliver(channel, message);
    } else if (this.#heldForAgent.length < MAX_HELD) {
      this.#heldForAgent.push(message);
    } else {
      this.#undeliverable(message, 'too many messages held while the agent is down');
    }
  }

  #deliver(channel: Channel, message: ActionMessage | CallMessage): void {
    if (message.seq !== undefined) {
      this.#pending.set(`${message.from.pid}:${message.seq}`, {
        requester: message.from.pid,
        seq: message.seq,
        target: channel.sender.pid,
      });
    }
    channel.outbox.push(message);
  }

  #reply(message: ReplyMessage): void {
    this.#pending.delete(`${message.to}:${message.ack}`);
    if (message.to === this.#self.pid) {
      this.#own.settle(message);
      return;
    }
    const channel = this.#channels.get(message.to);
    if (channel === undefined) {
      this.#log.warn({ from: message.from, to: message.to }, `reply to process ${message.to} dropped: it exited`);
      return;
    }
    channel.outbox.push(message);
  }

  #undeliverable(message: Envelope, reason: string): void {
    if (isRequest(message)) {
      const what = message.type === 'action' ? message.action : message.method;
      this.#fail(message.from.pid, message.seq, ERR.NO_TARGET, `${what}: ${reason}`);
      return;
    }
    const action = message.type === 'action' ? message.action : message.type;
    this.#log.warn({ action, reason }, `message ${action} not delivered: ${reason}`);
  }

  #fail(requester: number, seq: number, code: ErrorCode, text: string): void {
    if (requester === this.#self.pid) {
      this.#own.fail(seq, broodError(code, text));
      return;
    }
    this.#channels
      .get(requester)
      ?.outbox.push(
        envelope<ReplyMessage>({ type: 'reply', ack: seq, from: this.#self, to: requester, ok: false, error: { code, message: text } }),
      );
  }
}

/** True for a message that waits for a reply. */
function isRequest(message: Envelope): message is RequestMessage {
  return message.type === 'call' || (message.type === 'action' && message.seq !== undefined);
}
