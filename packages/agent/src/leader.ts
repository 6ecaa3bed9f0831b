import { EventEmitter } from 'node:events';
import type { Leader } from '@brood/cluster';
import type { Logger } from '@brood/core';
import { messageOf } from '@brood/errors';

/** Why leadership ended: Redis could not renew it in time, another instance holds it, the connection dropped, or the agent stops. */
export type LostReason = 'renewal-failed' | 'lease-taken' | 'disconnected' | 'stopped';

/** The events of `agent.leader`. */
export interface LeaderEvents {
  /** This agent now leads the application, in term `term` (a number that grows with every election: a fencing token for leader work). */
  elected: [{ term: number }];
  /** This agent does not lead any more. */
  lost: [{ term: number; reason: LostReason }];
}

/** The cluster engine's leader, as the agent drives it. */
export type LeaderEngine = Pick<Leader, 'isLeader' | 'term' | 'on' | 'start' | 'stop'>;

/**
 * `agent.leader`: whether this agent leads the application, with the
 * events `elected` and `lost`. In cluster mode at most one agent of all
 * instances leads, on a lease in Redis (docs/cluster-mode.md). Without
 * cluster mode the agent is the only one: it is elected at app-ready (term
 * 1) and leads until it stops, so code written for a cluster runs unchanged
 * on one host.
 *
 * It competes from app-ready and gives up before `beforeClose` runs on a
 * graceful stop, so another instance takes over while this one finishes.
 */
export class AgentLeader extends EventEmitter<LeaderEvents> {
  readonly #logger: Logger;
  #engine: LeaderEngine | undefined;
  #localTerm: number | null = null;
  #started = false;

  constructor(logger: Logger) {
    super();
    this.#logger = logger;
  }

  /** True while this agent leads; a leader that could not renew in time reads false before any event says so. */
  get isLeader(): boolean {
    return this.#engine === undefined ? this.#localTerm !== null : this.#engine.isLeader;
  }

  /** The term of the current leadership, `null` when not leading. */
  get term(): number | null {
    return this.#engine === undefined ? this.#localTerm : this.#engine.term;
  }

  /** True in cluster mode: the leadership is shared with the app's other instances. */
  get clustered(): boolean {
    return this.#engine !== undefined;
  }

  /** @internal Leads through the cluster engine from now on; its events become this object's. */
  use(engine: LeaderEngine): void {
    this.#engine = engine;
    engine.on('elected', (event) => this.#emit('elected', event));
    engine.on('lost', (event) => this.#emit('lost', event));
  }

  /** @internal Starts competing (at app-ready). */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    if (this.#engine !== undefined) {
      await this.#engine.start();
      return;
    }
    this.#localTerm = 1;
    this.#emit('elected', { term: 1 });
  }

  /** @internal Steps down and lets another instance take over at once (before `beforeClose`). */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    if (this.#engine !== undefined) {
      await this.#engine.stop();
      return;
    }
    const term = this.#localTerm;
    this.#localTerm = null;
    if (term !== null) this.#emit('lost', { term, reason: 'stopped' });
  }

  /** A listener that throws is the app's bug: logged, it never breaks the lease's bookkeeping. */
  #emit<K extends keyof LeaderEvents>(event: K, ...args: LeaderEvents[K]): void {
    try {
      (this.emit as (name: string, ...values: unknown[]) => boolean)(event, ...args);
    } catch (error) {
      this.#logger.error({ err: error, event }, `a listener of agent.leader '${event}' threw: ${messageOf(error)}`);
    }
  }
}
