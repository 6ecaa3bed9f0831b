import { EventEmitter } from 'node:events';
import { messageOf } from '@brood/errors';
import { monotonicMs } from '@brood/messenger';
import type { Coordinator } from './coordinator.js';
import { type ClusterLog, silentLog } from './log.js';
import { DEFAULT_LEASE_TTL_MS } from './settings.js';

/** Options of {@link Leader}. */
export interface LeaderOptions {
  coordinator: Coordinator;
  /** Who competes: the instance id. */
  id: string;
  /** The lease's name; one leader per name and app. Default `leader`. */
  name?: string;
  /** How long the lease lasts without renewal (default 10 s). */
  ttl?: number;
  /** How often the leader renews, and a candidate tries (default ttl/3). */
  renewInterval?: number;
  /**
   * How long before the lease could expire the leader gives up if it has not
   * renewed (default ttl/10, at least 100 ms): room for the two machines'
   * clocks to tick at slightly different rates.
   */
  safetyMargin?: number;
  log?: ClusterLog;
}

/** Why leadership ended. */
export type LostReason = 'renewal-failed' | 'lease-taken' | 'disconnected' | 'stopped';

/** Events of {@link Leader}. */
export interface LeaderEvents {
  /** This instance now leads, in term `term` (a fencing token for leader work). */
  elected: [{ term: number }];
  /** This instance does not lead any more. */
  lost: [{ term: number; reason: LostReason }];
  /** The lease was extended (diagnostic). */
  renewed: [{ term: number }];
}

/**
 * One leader per app on a lease: at most one instance holds it at a time.
 *
 * The leader renews every `renewInterval` with compare-and-extend. It
 * counts its lease from when it *sent* the acquire or renewal — the lease
 * in Redis started no earlier — and steps down at that time + ttl −
 * safetyMargin if no renewal came back by then, so it has stopped before
 * any other instance can take the lease. {@link isLeader} checks that
 * deadline on each read: a leader that was frozen (SIGSTOP, a long GC
 * pause) reads false the moment it runs again, before any timer tells it
 * with `lost`. It also steps down at once when its connection is lost.
 *
 * Candidates try every `renewInterval` and at once when the leader releases
 * gracefully (a `released` notice on a channel), so a dead leader is
 * replaced within ttl + renewInterval and a stopping one within a round trip.
 */
export class Leader extends EventEmitter<LeaderEvents> {
  readonly #coordinator: Coordinator;
  readonly #id: string;
  readonly #name: string;
  readonly #ttl: number;
  readonly #renewInterval: number;
  readonly #margin: number;
  readonly #log: ClusterLog;
  #running = false;
  #leading = false;
  #term: number | null = null;
  /** monotonicMs() after which the lease may have expired in Redis. */
  #deadline = 0;
  #tryTimer: NodeJS.Timeout | undefined;
  #renewTimer: NodeJS.Timeout | undefined;
  #deadlineTimer: NodeJS.Timeout | undefined;
  #busy: Promise<void> | undefined;
  #unsubscribe: (() => Promise<void>) | undefined;
  readonly #onDown = (): void => this.#stepDown('disconnected');
  readonly #onUp = (): void => {
    if (this.#unsubscribe === undefined) void this.#listenReleased();
    void this.#tryAcquire();
  };

  constructor(options: LeaderOptions) {
    super();
    this.#coordinator = options.coordinator;
    this.#id = options.id;
    this.#name = options.name ?? 'leader';
    this.#ttl = options.ttl ?? DEFAULT_LEASE_TTL_MS;
    this.#renewInterval = options.renewInterval ?? Math.floor(this.#ttl / 3);
    this.#margin = options.safetyMargin ?? Math.max(100, Math.floor(this.#ttl / 10));
    this.#log = options.log ?? silentLog;
    if (this.#renewInterval >= this.#ttl - this.#margin)
      throw new RangeError(
        `the leader's renewInterval (${this.#renewInterval} ms) must be shorter than ttl − safetyMargin (${this.#ttl - this.#margin} ms)`,
      );
  }

  /** True while this instance holds the lease and its local deadline has not passed. */
  get isLeader(): boolean {
    return this.#leading && monotonicMs() < this.#deadline;
  }

  /** The term of the current leadership, `null` when not leading. Greater with every election. */
  get term(): number | null {
    return this.isLeader ? this.#term : null;
  }

  /** The instance id that holds the lease now, by asking the engine. */
  holder(): Promise<string | null> {
    return this.#coordinator.leaseHolder(this.#name);
  }

  /** Starts competing: listens for released notices, then tries at once and every renewInterval. */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    this.#coordinator.on('down', this.#onDown);
    this.#coordinator.on('up', this.#onUp);
    await this.#listenReleased();
    this.#tryTimer = setInterval(() => void this.#tryAcquire(), this.#renewInterval);
    await this.#tryAcquire();
  }

  async #listenReleased(): Promise<void> {
    if (!this.#coordinator.connected) return;
    try {
      const unsubscribe = await this.#coordinator.subscribe(`lease:${this.#name}:released`, (owner) => {
        if (owner !== this.#id) void this.#tryAcquire();
      });
      if (this.#running && this.#unsubscribe === undefined) this.#unsubscribe = unsubscribe;
      else await unsubscribe();
    } catch (error) {
      // Without the notice a handover waits for the next try; the tries go on, and the next reconnect listens again.
      this.#log.warn({ err: error }, `leader: cannot listen for released notices: ${messageOf(error)}`);
    }
  }

  /** Stops competing; a leader steps down (`lost` with reason `stopped`) and releases the lease so another takes over at once. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    clearInterval(this.#tryTimer);
    this.#coordinator.off('down', this.#onDown);
    this.#coordinator.off('up', this.#onUp);
    await this.#busy;
    const wasLeading = this.#leading;
    this.#stepDown('stopped');
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = undefined;
    if (wasLeading) {
      try {
        await this.#coordinator.releaseLease(this.#name, this.#id);
      } catch (error) {
        this.#log.warn({ err: error }, `leader: could not release the lease; another instance takes over within ${this.#ttl} ms`);
      }
    }
    await unsubscribe?.().catch(() => {});
  }

  /** One attempt at a time: an acquire or renewal in flight is not doubled. */
  #exclusive(work: () => Promise<void>): Promise<void> {
    if (this.#busy !== undefined) return this.#busy;
    this.#busy = work().finally(() => {
      this.#busy = undefined;
    });
    return this.#busy;
  }

  #tryAcquire(): Promise<void> {
    if (!this.#running || this.#leading || !this.#coordinator.connected) return Promise.resolve();
    return this.#exclusive(async () => {
      const sent = monotonicMs();
      let term: number | null;
      try {
        term = await this.#coordinator.acquireLease(this.#name, this.#id, this.#ttl);
      } catch (error) {
        this.#log.debug({ err: error }, `leader: acquire failed: ${messageOf(error)}`);
        return;
      }
      if (term === null) return;
      const deadline = sent + this.#ttl - this.#margin;
      if (!this.#running || monotonicMs() >= deadline) {
        // Stopped meanwhile, or the answer came so late the lease may be over: give it back.
        await this.#coordinator.releaseLease(this.#name, this.#id).catch(() => {});
        return;
      }
      this.#leading = true;
      this.#term = term;
      this.#extendTo(deadline);
      this.#scheduleRenewal(this.#renewInterval);
      this.#log.info({ term, instance: this.#id }, `this instance is the leader (term ${term})`);
      this.emit('elected', { term });
    });
  }

  #extendTo(deadline: number): void {
    this.#deadline = deadline;
    clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = setTimeout(() => this.#stepDown('renewal-failed'), Math.max(0, deadline - monotonicMs()));
  }

  #scheduleRenewal(delay: number): void {
    clearTimeout(this.#renewTimer);
    this.#renewTimer = setTimeout(() => void this.#renew(), delay);
  }

  #renew(): Promise<void> {
    return this.#exclusive(async () => {
      if (!this.#leading) return;
      const term = this.#term as number;
      if (monotonicMs() >= this.#deadline) {
        this.#stepDown('renewal-failed');
        return;
      }
      const sent = monotonicMs();
      let renewed: boolean;
      try {
        renewed = await this.#coordinator.renewLease(this.#name, this.#id, this.#ttl);
      } catch (error) {
        if (!this.#leading || this.#term !== term) return;
        // Try again soon; the deadline timer steps down if no renewal gets through in time.
        this.#log.warn({ err: error, term }, `leader: renewal failed: ${messageOf(error)}`);
        this.#scheduleRenewal(Math.min(this.#renewInterval, Math.max(50, this.#margin)));
        return;
      }
      if (!this.#leading || this.#term !== term) return;
      if (!renewed) {
        this.#stepDown('lease-taken');
        return;
      }
      this.#extendTo(sent + this.#ttl - this.#margin);
      this.#scheduleRenewal(this.#renewInterval);
      this.emit('renewed', { term });
    });
  }

  #stepDown(reason: LostReason): void {
    if (!this.#leading) return;
    const term = this.#term as number;
    this.#leading = false;
    this.#term = null;
    this.#deadline = 0;
    clearTimeout(this.#renewTimer);
    clearTimeout(this.#deadlineTimer);
    const log = reason === 'stopped' ? this.#log.info.bind(this.#log) : this.#log.warn.bind(this.#log);
    log({ term, reason, instance: this.#id }, `this instance is no longer the leader (term ${term}): ${REASONS[reason]}`);
    this.emit('lost', { term, reason });
    // A leader that timed out while Redis still answers gives the lease back, so the others need not wait for it to expire.
    if (reason === 'renewal-failed' && this.#running) this.#coordinator.releaseLease(this.#name, this.#id).catch(() => {});
  }
}

const REASONS: Record<LostReason, string> = {
  'renewal-failed': 'the lease could not be renewed before it could expire',
  'lease-taken': 'another instance holds the lease',
  disconnected: 'the connection to Redis was lost',
  stopped: 'stopped',
};
