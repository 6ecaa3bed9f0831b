import type { Logger } from '@brood/core';
import { messageOf } from '@brood/errors';
import type { Router } from '@brood/messenger';
import { residentMemory } from '../control/metrics.js';
import type { MasterState } from '../master-state.js';
import type { ResolvedOptions } from '../options.js';
import { announcePeers } from '../peers.js';
import type { ProcessTable } from '../process-table.js';
import type { SupervisedProcess } from '../supervised-process.js';
import type { Supervisor } from '../supervisor.js';
import type { Heartbeat } from './heartbeat.js';

/** The master's parts that its operations (heartbeat, guards, health, metrics) work with. */
export interface MasterParts {
  settings: ResolvedOptions;
  logger: Logger;
  table: ProcessTable;
  router: Router;
  supervisor: Supervisor;
}

/** Why a guard replaced a process. */
export type GuardReason = 'memory' | 'event-loop';

/** How long a guard leaves a process alone after its replacement failed to start. */
const RETRY_AFTER_MS = 10_000;

const mb = (bytes: number | undefined): string => (bytes === undefined ? '?' : `${Math.round(bytes / (1 << 20))} MB`);

/** What the guards need of the master. */
export interface GuardHost {
  readonly state: MasterState;
  /** True while a reload replaces every process anyway. */
  readonly reloading: boolean;
  /** A guard replaced a process. */
  replaced(role: 'agent' | 'worker', reason: GuardReason): void;
}

/**
 * `maxMemory` and `maxEventLoopBlock`, checked at every heartbeat (memory
 * at each answer, with its heap figures; event loops at each round):
 * - a worker whose resident memory (read from /proc, else from its last
 *   answer) is over `maxMemory` is replaced make-before-break: a new worker
 *   in its slot is ready before the old one is told to close and drains;
 * - a worker that has not answered the heartbeat for `maxEventLoopBlock`
 *   ms takes no more work at once; a new one is forked, and once it is
 *   ready the blocked one is killed (closed gracefully instead if it came
 *   back meanwhile). Its requests in flight are lost, nobody else's;
 * - the agent, of which there is one, is closed then forked again over
 *   `maxMemory`, and killed (then restarted as after a crash) when blocked.
 * A reload replaces everything anyway: the guards wait while one runs.
 */
export class Guards {
  readonly #settings: ResolvedOptions;
  readonly #logger: Logger;
  readonly #table: ProcessTable;
  readonly #router: Router;
  readonly #supervisor: Supervisor;
  readonly #heartbeat: Heartbeat;
  readonly #host: GuardHost;
  /** Processes being replaced, or left alone for a while after a failed replacement. */
  readonly #replacing = new Set<SupervisedProcess>();

  constructor(options: MasterParts & { heartbeat: Heartbeat; host: GuardHost }) {
    this.#settings = options.settings;
    this.#logger = options.logger;
    this.#table = options.table;
    this.#router = options.router;
    this.#supervisor = options.supervisor;
    this.#heartbeat = options.heartbeat;
    this.#host = options.host;
  }

  /** At each round of the heartbeat: a ready process silent for longer than `maxEventLoopBlock` is blocked. */
  checkEventLoops(): void {
    const limit = this.#settings.ops.maxEventLoopBlock;
    if (limit === null || !this.#watching()) return;
    for (const proc of this.#table.all()) {
      if (proc.state !== 'ready' || this.#replacing.has(proc)) continue;
      const silent = this.#heartbeat.silentFor(proc.pid);
      if (silent > limit) this.#blocked(proc, Math.round(silent), limit);
    }
  }

  /**
   * After each answer to the heartbeat, with its heap figures fresh: a
   * process whose resident memory (from /proc, else from the answer) is over
   * `maxMemory` is replaced.
   */
  checkMemory(pid: number): void {
    const limit = this.#settings.ops.maxMemory;
    const proc = this.#table.get(pid);
    if (limit === null || proc === undefined || proc.state !== 'ready' || this.#replacing.has(proc) || !this.#watching()) return;
    const rss = residentMemory(pid) ?? this.#heartbeat.vitals(pid)?.rss;
    if (rss !== undefined && rss > limit) this.#overMemory(proc, rss, limit);
  }

  /** The guards act while the app runs, and wait while a reload replaces everything anyway. */
  #watching(): boolean {
    return this.#host.state === 'running' && !this.#host.reloading;
  }

  #overMemory(proc: SupervisedProcess, rss: number, maxMemory: number): void {
    const vitals = this.#heartbeat.vitals(proc.pid);
    this.#logger.warn(
      { event: 'guard', reason: 'memory', childPid: proc.pid, rss, heapUsed: vitals?.heapUsed, heapTotal: vitals?.heapTotal, maxMemory },
      `${proc.label} uses ${mb(rss)} of memory (heap ${mb(vitals?.heapUsed)} of ${mb(vitals?.heapTotal)}), over maxMemory ${mb(maxMemory)}; replacing it`,
    );
    this.#host.replaced(proc.role, 'memory');
    if (proc.role === 'worker') void this.#replaceWorker(proc, false);
    else void this.#restartAgent(proc);
  }

  #blocked(proc: SupervisedProcess, silent: number, limit: number): void {
    this.#logger.warn(
      { event: 'guard', reason: 'event-loop', childPid: proc.pid, silentMs: silent, maxEventLoopBlock: limit },
      `${proc.label} has not answered the heartbeat for ${silent} ms (maxEventLoopBlock ${limit}): its event loop is blocked; replacing it`,
    );
    this.#host.replaced(proc.role, 'event-loop');
    if (proc.role === 'worker') {
      void this.#replaceWorker(proc, true);
      return;
    }
    // One agent only: no second one may run beside it. Killed, it is restarted as after a crash.
    this.#hold(proc);
    proc.kill();
  }

  /** Make-before-break: the new worker ready in the old one's slot, then the old one closed (or killed, when blocked). */
  async #replaceWorker(old: SupervisedProcess, blocked: boolean): Promise<void> {
    this.#hold(old);
    // Its exit is no crash now: the replacement takes its slot.
    old.stopRequested = true;
    if (blocked) {
      // No more messages, tasks or random picks for it while its replacement boots.
      this.#table.setState(old, 'closing');
      announcePeers(this.#table, this.#router);
    }
    let label: string;
    try {
      // A spare's replacement is a spare too.
      const next = this.#supervisor.spawnWorker(old.slot, old.spare);
      next.restarts = old.restarts + 1;
      label = next.label;
      await this.#supervisor.tryOut(next);
    } catch (error) {
      // Supervision takes over again: a blocked worker is killed and restarted as after a crash; a big one keeps serving.
      old.stopRequested = false;
      this.#logger.error({ err: error }, `the replacement of ${old.label} failed to start: ${messageOf(error)}`);
      if (blocked) old.kill();
      else setTimeout(() => this.#replacing.delete(old), RETRY_AFTER_MS).unref();
      return;
    }
    if (blocked && this.#heartbeat.silentFor(old.pid) > 0) {
      old.kill();
      this.#logger.info(`${old.label} killed; ${label} serves in its place`);
    } else {
      await this.#supervisor.closeAll([old], this.#settings.shutdownTimeout);
      this.#logger.info(`${old.label} closed; ${label} serves in its place`);
    }
  }

  /** Leaves a process to its replacement until it is gone. */
  #hold(proc: SupervisedProcess): void {
    this.#replacing.add(proc);
    void proc.exited.promise.then(() => this.#replacing.delete(proc));
  }

  /** The agent over `maxMemory`: closed gracefully, then forked again (messages for it are held meanwhile). */
  async #restartAgent(old: SupervisedProcess): Promise<void> {
    this.#hold(old);
    await this.#supervisor.closeAll([old], this.#settings.shutdownTimeout);
    if (this.#host.state !== 'running' || this.#table.agentProcess !== undefined) return;
    const next = this.#supervisor.spawnAgent();
    next.restarts = old.restarts + 1;
    next.ready.promise.catch((error: unknown) => this.#logger.error({ err: error }, messageOf(error)));
  }
}
