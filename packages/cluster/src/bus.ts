import { type BroodError, broodError, ERR, messageOf } from '@brood/errors';
import { fromWireError, toWireError } from '@brood/messenger';
import { ALL_CHANNEL, BUS_MARKER, type BusEnvelope, instanceChannel, parseBusEnvelope } from './bus-protocol.js';
import type { Coordinator } from './coordinator.js';
import { type ClusterLog, silentLog } from './log.js';

/** A message that came over the bus. */
export interface BusMessage {
  kind: 'broadcast' | 'send' | 'request';
  action: string;
  data: unknown;
  /** The sending instance's id. */
  from: string;
  /** Sent to whichever instance leads. */
  toLeader: boolean;
  /** For a request: how long its sender waits, in ms. */
  timeout?: number;
}

/** Receives every message; for a request, what it returns (or resolves to) is the reply, and what it throws is the error. */
export type BusHandler = (message: BusMessage) => unknown;

/** Where a message goes: the instance that holds the leader lease, or an instance id. */
export type BusTarget = 'leader' | string;

/** Options of {@link ClusterBus}. */
export interface BusOptions {
  coordinator: Coordinator;
  /** This instance's id; it must be in the registry for requests to reach it. */
  id: string;
  handler: BusHandler;
  /** Tells whether this instance leads; messages for the leader that reach a former leader are refused. */
  isLeader?: () => boolean;
  /** The lease whose holder is `'leader'` (default `leader`). */
  leaseName?: string;
  /** Default request timeout (5000 ms, as the messenger's). */
  requestTimeout?: number;
  /** How often a pending request checks that its target is still there (default 500 ms). */
  livenessInterval?: number;
  /** The largest message, in bytes of JSON (default 1 MiB). */
  maxMessageBytes?: number;
  log?: ClusterLog;
}

interface Pending {
  to: string;
  what: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Publish/subscribe between the instances of an app: broadcast to every
 * instance (this one included), send to one instance or to the leader, and
 * request/reply. Delivery is at most once: a message published while an
 * instance is disconnected is not kept for it.
 *
 * A request never hangs: it fails with `ERR_BROOD_REQUEST_TIMEOUT` after its
 * timeout, with `ERR_BROOD_TARGET_GONE` as soon as its target is seen gone
 * (nobody listens on its channel any more — its process exited — or its
 * registry record expired — its host died), and with
 * `ERR_BROOD_CLUSTER_UNREACHABLE` when Redis cannot be reached or the
 * connection drops while waiting (the reply could not arrive).
 */
export class ClusterBus {
  readonly #coordinator: Coordinator;
  readonly #id: string;
  readonly #handler: BusHandler;
  readonly #isLeader: () => boolean;
  readonly #leaseName: string;
  readonly #timeout: number;
  readonly #livenessInterval: number;
  readonly #maxBytes: number;
  readonly #log: ClusterLog;
  readonly #pending = new Map<number, Pending>();
  readonly #unsubscribes: (() => Promise<void>)[] = [];
  #seq = 0;
  #livenessTimer: NodeJS.Timeout | undefined;
  #checking = false;
  #open = false;
  #closed = false;
  readonly #onDown = (error: Error): void => {
    this.#failAll(() =>
      broodError(
        ERR.CLUSTER_UNREACHABLE,
        `lost the connection to Redis at ${this.#coordinator.where} before the reply came: ${error.message}`,
        error,
      ),
    );
  };

  constructor(options: BusOptions) {
    this.#coordinator = options.coordinator;
    this.#id = options.id;
    this.#handler = options.handler;
    this.#isLeader = options.isLeader ?? (() => false);
    this.#leaseName = options.leaseName ?? 'leader';
    this.#timeout = options.requestTimeout ?? 5000;
    this.#livenessInterval = options.livenessInterval ?? 500;
    this.#maxBytes = options.maxMessageBytes ?? 1024 * 1024;
    this.#log = options.log ?? silentLog;
  }

  /** True once {@link start} has succeeded, until {@link close}. */
  get started(): boolean {
    return this.#open;
  }

  /** Listens on the broadcast channel and this instance's own; when it fails (Redis away) it can be called again. */
  async start(): Promise<void> {
    if (this.#open) return;
    if (this.#closed) throw this.#closedError();
    try {
      for (const channel of [ALL_CHANNEL, instanceChannel(this.#id)])
        this.#unsubscribes.push(await this.#coordinator.subscribe(channel, (raw) => this.#receive(raw)));
    } catch (error) {
      await Promise.all(this.#unsubscribes.splice(0).map((unsubscribe) => unsubscribe().catch(() => {})));
      throw error;
    }
    if (this.#closed) return;
    this.#open = true;
    this.#coordinator.on('down', this.#onDown);
  }

  /** Stops listening; pending requests fail with `ERR_BROOD_CLUSTER_CLOSED`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#open = false;
    this.#coordinator.off('down', this.#onDown);
    this.#failAll(() => this.#closedError());
    await Promise.all(this.#unsubscribes.splice(0).map((unsubscribe) => unsubscribe().catch(() => {})));
  }

  /** Sends to every instance, this one included; resolves with how many instances listen. */
  async broadcast(action: string, data: unknown): Promise<number> {
    const raw = this.#encode({ m: BUS_MARKER, kind: 'broadcast', from: this.#id, action, data }, action);
    return await this.#coordinator.publish(ALL_CHANNEL, raw);
  }

  /** Sends to one instance or to the leader; rejects with `ERR_BROOD_TARGET_GONE` when nobody listens there, `ERR_BROOD_NO_LEADER` when none leads. */
  async send(target: BusTarget, action: string, data: unknown): Promise<void> {
    const { to, leader } = await this.#resolve(target, action);
    const raw = this.#encode({ m: BUS_MARKER, kind: 'send', from: this.#id, to, leader, action, data }, action);
    if ((await this.#coordinator.publish(instanceChannel(to), raw)) === 0) throw this.#gone(to, `${action} to ${describe(target, to)}`);
  }

  /** Sends a request and resolves with the reply of the target's handler. */
  async request<T = unknown>(target: BusTarget, action: string, data: unknown, options: { timeout?: number } = {}): Promise<T> {
    if (!this.#open)
      throw this.#closed ? this.#closedError() : broodError(ERR.CLUSTER_CLOSED, `request ${action}: the cluster bus is not started`);
    const { to, leader } = await this.#resolve(target, action);
    const id = ++this.#seq;
    const timeout = options.timeout ?? this.#timeout;
    const raw = this.#encode({ m: BUS_MARKER, kind: 'request', from: this.#id, to, leader, id, action, data, timeout }, action);
    const what = `request ${action} to ${describe(target, to)}`;
    const reply = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#settle(id)?.reject(broodError(ERR.REQUEST_TIMEOUT, `${what} got no reply within ${timeout} ms`));
      }, timeout);
      // Registered before publishing: the reply can come before PUBLISH returns.
      this.#pending.set(id, { to, what, resolve, reject, timer });
    });
    // It can fail while PUBLISH is still under way (the connection drops): handled below, not unhandled meanwhile.
    reply.catch(() => {});
    this.#watchLiveness();
    try {
      if ((await this.#coordinator.publish(instanceChannel(to), raw)) === 0) this.#settle(id)?.reject(this.#gone(to, what));
    } catch (error) {
      this.#settle(id)?.reject(error as Error);
    }
    return (await reply) as T;
  }

  async #resolve(target: BusTarget, action: string): Promise<{ to: string; leader: boolean }> {
    if (this.#closed) throw this.#closedError();
    if (target !== 'leader') return { to: target, leader: false };
    const holder = await this.#coordinator.leaseHolder(this.#leaseName);
    if (holder === null) throw broodError(ERR.NO_LEADER, `${action} to the leader: no instance leads now`);
    return { to: holder, leader: true };
  }

  #encode(envelope: BusEnvelope, action: string): string {
    let raw: string;
    try {
      raw = JSON.stringify(envelope);
    } catch (error) {
      throw broodError(ERR.CLUSTER_BAD_MESSAGE, `${action} cannot cross hosts: its data is not JSON: ${messageOf(error)}`, error);
    }
    const bytes = Buffer.byteLength(raw);
    if (bytes > this.#maxBytes)
      throw broodError(ERR.CLUSTER_BAD_MESSAGE, `${action} is ${bytes} bytes of JSON, over the bus's ${this.#maxBytes}`);
    return raw;
  }

  #gone(to: string, what: string): BroodError {
    return broodError(ERR.TARGET_GONE, `${what} failed: instance ${to} is gone`);
  }

  #closedError(): BroodError {
    return broodError(ERR.CLUSTER_CLOSED, 'the cluster bus is closed');
  }

  #settle(id: number): Pending | undefined {
    const pending = this.#pending.get(id);
    if (pending === undefined) return undefined;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if (this.#pending.size === 0) {
      clearInterval(this.#livenessTimer);
      this.#livenessTimer = undefined;
    }
    return pending;
  }

  #failAll(error: () => Error): void {
    for (const id of [...this.#pending.keys()]) this.#settle(id)?.reject(error());
  }

  /** While requests wait, checks every livenessInterval that each target still listens and is registered. */
  #watchLiveness(): void {
    if (this.#livenessTimer !== undefined) return;
    this.#livenessTimer = setInterval(() => void this.#checkLiveness(), this.#livenessInterval);
  }

  async #checkLiveness(): Promise<void> {
    if (this.#checking) return;
    this.#checking = true;
    try {
      for (const to of new Set([...this.#pending.values()].map((p) => p.to))) {
        let alive: boolean;
        try {
          const [listeners, registered] = await Promise.all([
            this.#coordinator.subscribers(instanceChannel(to)),
            this.#coordinator.hasInstance(to),
          ]);
          alive = listeners > 0 && registered;
        } catch {
          // Redis itself is the trouble; the down event or the timeout fails the requests.
          continue;
        }
        if (alive) continue;
        for (const [id, pending] of [...this.#pending]) if (pending.to === to) this.#settle(id)?.reject(this.#gone(to, pending.what));
      }
    } finally {
      this.#checking = false;
    }
  }

  #receive(raw: string): void {
    if (Buffer.byteLength(raw) > this.#maxBytes) {
      this.#log.warn({ bytes: Buffer.byteLength(raw) }, `dropped a bus message over ${this.#maxBytes} bytes`);
      return;
    }
    const envelope = parseBusEnvelope(raw);
    if (typeof envelope === 'string') {
      this.#log.warn({ reason: envelope }, `dropped a message on the cluster bus: ${envelope}`);
      return;
    }
    if (envelope.kind === 'reply') {
      if (envelope.to !== this.#id) return;
      const pending = this.#settle(envelope.id);
      if (pending === undefined) return;
      if (envelope.ok) pending.resolve(envelope.data);
      else pending.reject(fromWireError(envelope.error));
      return;
    }
    if (envelope.kind !== 'broadcast' && envelope.to !== this.#id) return;
    const toLeader = envelope.kind !== 'broadcast' && envelope.leader;
    if (toLeader && !this.#isLeader()) {
      const error = broodError(ERR.NO_LEADER, `${envelope.action} was sent to the leader, but instance ${this.#id} no longer leads`);
      if (envelope.kind === 'request') void this.#reply(envelope.from, envelope.id, false, undefined, error);
      else this.#log.warn({ action: envelope.action, from: envelope.from }, error.message);
      return;
    }
    void this.#dispatch(envelope, toLeader);
  }

  async #dispatch(envelope: Extract<BusEnvelope, { kind: 'broadcast' | 'send' | 'request' }>, toLeader: boolean): Promise<void> {
    const message: BusMessage = { kind: envelope.kind, action: envelope.action, data: envelope.data, from: envelope.from, toLeader };
    if (envelope.kind === 'request' && envelope.timeout !== undefined) message.timeout = envelope.timeout;
    try {
      const result = await this.#handler(message);
      if (envelope.kind === 'request') await this.#reply(envelope.from, envelope.id, true, result);
    } catch (error) {
      if (envelope.kind === 'request') await this.#reply(envelope.from, envelope.id, false, undefined, error);
      else
        this.#log.error(
          { err: error, action: envelope.action, from: envelope.from },
          `handler of ${envelope.action} failed: ${messageOf(error)}`,
        );
    }
  }

  async #reply(to: string, id: number, ok: boolean, data: unknown, error?: unknown): Promise<void> {
    const base = { m: BUS_MARKER, kind: 'reply', from: this.#id, to, id } as const;
    let raw: string;
    try {
      raw = ok
        ? this.#encode({ ...base, ok: true, data }, 'reply')
        : this.#encode({ ...base, ok: false, error: toWireError(error, ERR.HANDLER_FAILED) }, 'reply');
    } catch (thrown) {
      raw = this.#encode({ ...base, ok: false, error: toWireError(thrown) }, 'reply');
    }
    try {
      await this.#coordinator.publish(instanceChannel(to), raw);
    } catch (thrown) {
      this.#log.warn({ err: thrown, to }, `could not reply to instance ${to}: ${messageOf(thrown)}`);
    }
  }
}

function describe(target: BusTarget, to: string): string {
  return target === 'leader' ? `the leader (${to})` : `instance ${to}`;
}
