import { broodError, ERR, type ErrorCode, messageOf } from '@brood/errors';
import type { CallArgs, CallMethod, CallResult } from './calls.js';
import { bytesText, Drops } from './drops.js';
import { Held, MAX_HELD } from './held.js';
import { DEFAULT_MAX_PENDING_BYTES, Outbox, unpack, type Write } from './outbox.js';
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
import { Retained } from './retained.js';
import { envelopeSize } from './size.js';
import { check } from './validate.js';

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
  /** Messages for this child that the router dropped or refused. */
  dropped: number;
}

/** A request on its way: who asked, and which process must answer. */
interface Pending {
  requester: number;
  seq: number;
  target: number;
}

/** Options of {@link Router}. */
export interface RouterOptions {
  log: RouterLog;
  directory: Directory;
  onControl: (from: Sender, message: Envelope) => void;
  /** What the router may hold for one process (and for a group not ready yet), in estimated bytes. Default 64 MB. */
  maxPendingBytes?: number;
}

/**
 * The master's routing table. It delivers user actions and Brood's calls by
 * target, holds messages for workers until the application is ready (and
 * for the agent while it restarts), answers requests whose target dies, and
 * hands every other envelope to the master.
 *
 * What it holds for one process is bounded (`maxPendingBytes`): past the
 * bound a request is refused at once with `ERR_BROOD_TARGET_BUSY` and any
 * other message is dropped and counted; drops and malformed messages are
 * logged as one line per kind per interval, with a count (see Tally).
 *
 * It owns no process: the master opens a channel when it forks a child and
 * closes it when the child exits, and its process table says who is ready,
 * which keeps this class testable with plain functions as channels.
 */
export class Router {
  readonly #channels = new Map<number, Channel>();
  readonly #pending = new Map<string, Pending>();
  readonly #directory: Directory;
  readonly #onControl: (from: Sender, message: Envelope) => void;
  readonly #maxPendingBytes: number;
  /** Messages for workers sent before app-ready. */
  readonly #heldForApp: Held<ActionMessage>;
  /** Messages for the agent sent while no agent takes them. */
  readonly #heldForAgent: Held<ActionMessage | CallMessage>;
  readonly #self: Sender = { role: 'master', pid: process.pid };
  /** Calls the master itself made. */
  readonly #own = new Requests();
  readonly #drops: Drops;
  /** The last value of each action sent to the workers with `retain`: the master gives them to each worker that joins. */
  readonly retained: Retained;

  constructor(options: RouterOptions) {
    this.#directory = options.directory;
    this.#onControl = options.onControl;
    this.#maxPendingBytes = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
    this.#heldForApp = new Held(this.#maxPendingBytes);
    this.#heldForAgent = new Held(this.#maxPendingBytes);
    this.#drops = new Drops(options.log);
    this.retained = new Retained(options.log, this.#maxPendingBytes);
  }

  /** Every message the router dropped since it started: refused past the bound, undeliverable, malformed, or lost with a process that exited. */
  get dropped(): number {
    return this.#drops.total;
  }

  /** Messages for process `pid` that the router dropped or refused (0 for a pid it has no channel for). */
  droppedFor(pid: number): number {
    return this.#channels.get(pid)?.dropped ?? 0;
  }

  /** Opens the channel of a new child: messages can be addressed to its pid from now on. */
  open(sender: Sender, write: Write): void {
    const outbox = new Outbox(write, this.#maxPendingBytes, (message, error) => this.#unsendable(sender, message, error));
    this.#channels.set(sender.pid, { sender, outbox, dropped: 0 });
  }

  /**
   * Delivers what was held for processes that take messages now: for the
   * agent once one is ready, for the workers once the app is. Called when
   * the process table changes; does nothing when nothing can go.
   */
  release(): void {
    if (this.#directory.agent() !== undefined && this.#heldForAgent.length > 0) {
      const { messages, sizes } = this.#heldForAgent.take();
      for (let i = 0; i < messages.length; i++) this.#toAgent(messages[i] as ActionMessage, sizes[i] as number);
    }
    if (this.#directory.appReady() && this.#heldForApp.length > 0) {
      const { messages, sizes } = this.#heldForApp.take();
      for (let i = 0; i < messages.length; i++) this.#route(messages[i] as ActionMessage, sizes[i] as number);
    }
  }

  /**
   * Closes the channel of a child that exited. Requests it had not answered
   * fail at once; what the master had not yet written to it is lost, counted
   * and logged in one line.
   */
  close(pid: number): void {
    const channel = this.#channels.get(pid);
    if (channel === undefined) return;
    this.#channels.delete(pid);
    const { unwritten, inFlight } = channel.outbox.discard();
    let lost = inFlight;
    for (const message of unwritten) if (message.type === 'action' || message.type === 'call' || message.type === 'reply') lost++;
    if (lost > 0) {
      const text = `${label(channel.sender)} exited before the master could write ${lost} message${lost === 1 ? '' : 's'} to it: lost`;
      this.#drops.lost(lost, { to: channel.sender }, text);
    }
    for (const [key, pending] of this.#pending) {
      if (pending.target === pid) {
        this.#pending.delete(key);
        this.#fail(pending.requester, pending.seq, ERR.TARGET_GONE, `process ${pid} exited before it replied`);
      } else if (pending.requester === pid) {
        this.#pending.delete(key);
      }
    }
  }

  /** Writes the last value of each retained action to `pid`, a worker about to serve: ahead of its `app:ready`. */
  giveRetained(pid: number): void {
    for (const message of this.retained.messages()) this.send(pid, message);
  }

  /** Sends a master envelope (handshake, close) to one child, whatever the bound. */
  send(pid: number, message: Envelope): void {
    this.#channels.get(pid)?.outbox.force(message);
  }

  /** A well-formed envelope a child may not send the master (an `app:ready`, say): dropped, counted and logged as malformed ones are. */
  unexpected(from: Sender, message: Envelope): void {
    this.#drops.malformed(label(from), `${message.type} does not go from a child to the master`, message, from, 'unexpected');
  }

  /** Writes the counts of drops and malformed messages gathered since their last line: before the master exits. */
  flushLog(): void {
    this.#drops.flush();
  }

  /** Takes whatever arrived on the channel of child `pid`. */
  receive(pid: number, raw: unknown): void {
    const sender = this.#channels.get(pid)?.sender ?? { role: 'worker', pid };
    const checked = check(raw);
    if (!checked.ok) {
      this.#drops.malformed(label(sender), checked.reason, raw, sender);
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

  #route(message: ActionMessage | CallMessage, size = envelopeSize(message)): void {
    const { to } = message;
    if (message.type === 'action' && message.seq !== undefined && (to === 'app' || to === 'all')) {
      this.#fail(message.from.pid, message.seq, ERR.BAD_REQUEST_TARGET, `a request goes to one process, not to ${to}`);
      return;
    }
    if (to === 'agent') {
      this.#toAgent(message, size);
      return;
    }
    if (typeof to === 'number') {
      const channel = this.#channels.get(to);
      if (channel === undefined) this.#undeliverable(message, `no process with pid ${to}`);
      else this.#deliver(channel, message, size);
      return;
    }
    if (message.type === 'action' && this.retained.keep(message, size) && !this.#directory.appReady()) {
      // Kept, not held: each worker receives the last value when the app becomes ready, before app:ready.
      if (to === 'all') this.#toAgent(message, size);
      return;
    }
    if (!this.#directory.appReady()) {
      if (!this.#heldForApp.add(message as ActionMessage, size)) {
        this.#undeliverable(message, this.#heldText(this.#heldForApp), ERR.TARGET_BUSY, 'the workers before app-ready');
      }
      return;
    }
    const workers = this.#directory.readyWorkers();
    if (to === 'random') {
      const chosen = workers[Math.floor(Math.random() * workers.length)];
      const channel = chosen === undefined ? undefined : this.#channels.get(chosen);
      if (channel === undefined) this.#undeliverable(message, 'no ready worker');
      else this.#deliver(channel, message, size);
      return;
    }
    if (to === 'all') this.#toAgent(message, size);
    for (const pid of workers) {
      const channel = this.#channels.get(pid);
      if (channel !== undefined) this.#deliver(channel, message, size);
    }
  }

  #toAgent(message: ActionMessage | CallMessage, size: number): void {
    const agent = this.#directory.agent();
    const channel = agent === undefined ? undefined : this.#channels.get(agent);
    if (channel !== undefined) {
      this.#deliver(channel, message, size);
    } else if (!this.#heldForAgent.add(message, size)) {
      this.#undeliverable(message, this.#heldText(this.#heldForAgent), ERR.TARGET_BUSY, 'the agent while it is down');
    }
  }

  #deliver(channel: Channel, message: ActionMessage | CallMessage, size: number): void {
    const pushed = channel.outbox.push(message, size);
    if (pushed === 'queued') {
      if (message.seq !== undefined) {
        this.#pending.set(`${message.from.pid}:${message.seq}`, {
          requester: message.from.pid,
          seq: message.seq,
          target: channel.sender.pid,
        });
      }
      return;
    }
    if (pushed === 'closed') {
      this.#undeliverable(message, `process ${channel.sender.pid} cannot be written to`);
      return;
    }
    channel.dropped++;
    this.#undeliverable(message, this.#busyText(channel), ERR.TARGET_BUSY, label(channel.sender));
  }

  #reply(message: ReplyMessage): void {
    this.#pending.delete(`${message.to}:${message.ack}`);
    if (message.to === this.#self.pid) {
      this.#own.settle(message);
      return;
    }
    const channel = this.#channels.get(message.to);
    if (channel === undefined) {
      this.#drops.undelivered('reply', `from ${label(message.from)}`, 'the requester exited', `for process ${message.to}`);
      return;
    }
    if (channel.outbox.push(message) !== 'busy') return;
    // The requester does not read its replies: this one is replaced by a small failure, so its request still ends.
    channel.dropped++;
    const reason = this.#busyText(channel);
    this.#fail(message.to, message.ack, ERR.TARGET_BUSY, `the reply from ${label(message.from)} was dropped: ${reason}`);
    this.#drops.undelivered('reply', `from ${label(message.from)}`, reason, `for ${label(channel.sender)}`);
  }

  /** Why a hold refuses: how much it holds already. */
  #heldText(held: Held<unknown>): string {
    return `${held.length} messages (${bytesText(held.bytes)}) are held already (at most ${MAX_HELD}, maxPendingBytes ${bytesText(this.#maxPendingBytes)})`;
  }

  /** Why a channel refuses: how much already waits for it. */
  #busyText(channel: Channel): string {
    return `${bytesText(channel.outbox.pendingBytes)} already wait for it (maxPendingBytes ${bytesText(this.#maxPendingBytes)})`;
  }

  /**
   * A message that cannot go where it was sent. A request is answered with a
   * failure (`code`); anything else is dropped, counted and logged through
   * the tally. `to` names the target in the log line.
   */
  #undeliverable(message: ActionMessage | CallMessage, reason: string, code: ErrorCode = ERR.NO_TARGET, to?: string): void {
    const what = message.type === 'action' ? message.action : message.method;
    if (isRequest(message)) {
      const text = to === undefined ? `${what}: ${reason}` : `request ${what} to ${to} refused: ${reason}`;
      this.#fail(message.from.pid, message.seq, code, text);
    }
    this.#drops.undelivered(isRequest(message) ? 'request' : 'message', what, reason, to === undefined ? undefined : `for ${to}`);
  }

  /**
   * A message Node could not write to `to` (data nested past what its
   * serialiser takes, written raw on a channel by a child): a request fails
   * with ERR_BROOD_UNSENDABLE_DATA, anything else is dropped, counted and
   * logged as every other drop.
   */
  #unsendable(to: Sender, message: Envelope, error: unknown): void {
    const channel = this.#channels.get(to.pid);
    if (channel !== undefined) channel.dropped++;
    const reason = `it cannot be written: ${messageOf(error)}`;
    if (message.type === 'action' || message.type === 'call') {
      if (message.seq !== undefined) this.#pending.delete(`${message.from.pid}:${message.seq}`);
      this.#undeliverable(message, reason, ERR.UNSENDABLE_DATA, label(to));
    } else this.#drops.undelivered(message.type === 'reply' ? 'reply' : 'message', message.type, reason, `for ${label(to)}`);
  }

  #fail(requester: number, seq: number, code: ErrorCode, text: string): void {
    if (requester === this.#self.pid) {
      this.#own.fail(seq, broodError(code, text));
      return;
    }
    this.#channels
      .get(requester)
      ?.outbox.force(
        envelope<ReplyMessage>({ type: 'reply', ack: seq, from: this.#self, to: requester, ok: false, error: { code, message: text } }),
      );
  }
}

/** `agent 4242`, `worker 4243`. */
const label = (sender: Sender): string => `${sender.role} ${sender.pid}`;

/** True for a message that waits for a reply. */
function isRequest(message: Envelope): message is RequestMessage {
  return message.type === 'call' || (message.type === 'action' && message.seq !== undefined);
}
