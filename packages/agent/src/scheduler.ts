import { type Logger, type TaskDefinition, TaskRuns, withTimeout } from '@brood/core';
import { asError, broodError, codeOf, ERR } from '@brood/errors';
import { type Messenger, monotonicMs, type RunResult, type TaskClaim, type TaskStats } from '@brood/messenger';
import { Cron } from 'croner';
import type { FireClaims, FireTimer } from './cluster-link.js';

export type { Outcome, RunResult, TaskStats } from '@brood/messenger';

interface Entry {
  task: TaskDefinition;
  /** The figures kept; `running` is derived from {@link Entry.inFlight}. */
  stats: Omit<TaskStats, 'running'>;
  /** Runs under way (more than one only with overlap: true). */
  inFlight: number;
  timer?: NodeJS.Timeout | undefined;
  cron?: Cron | undefined;
  /** The clock of a cluster task: the fire times every instance agrees on. */
  clock?: FireTimer | undefined;
}

/**
 * The agent's clock. It starts ticking when the app is ready and stops when
 * the app begins to stop; each tick runs the task in one ready worker
 * (chosen by the master), in every worker, or in the agent. A tick that
 * comes while the previous run of the task still goes is skipped unless the
 * task allows overlap. Every run is counted, and failures are logged with
 * the task's name, duration and stack; the next tick fires regardless.
 *
 * In cluster mode a `scope: 'cluster'` task fires at the times every
 * instance agrees on and runs only where its claim is granted
 * (docs/scheduling.md); without cluster mode it runs as a host task.
 * When the agent closes (a stop, a reload) the runs under way get the time
 * of its close to finish (see {@link Scheduler.drain}).
 */
export class Scheduler {
  readonly #entries = new Map<string, Entry>();
  readonly #messenger: Messenger<unknown>;
  readonly #logger: Logger;
  readonly #agentContext: (task: TaskDefinition, claim: TaskClaim | undefined) => unknown;
  readonly #claims: FireClaims | undefined;
  readonly #observe: ((task: TaskDefinition, result: RunResult) => void) | undefined;
  /** Every run under way, of every type: a close waits for them. */
  readonly #runs = new TaskRuns();
  #ticking = false;

  constructor(options: {
    tasks: Map<string, TaskDefinition>;
    messenger: Messenger<unknown>;
    logger: Logger;
    agentContext: (task: TaskDefinition, claim: TaskClaim | undefined) => unknown;
    /** Cluster mode's claims; without them cluster tasks run as host tasks. */
    claims?: FireClaims | undefined;
    /** Learns every run's outcome (metrics on). */
    observe?: (task: TaskDefinition, result: RunResult) => void;
  }) {
    this.#messenger = options.messenger;
    this.#logger = options.logger;
    this.#agentContext = options.agentContext;
    this.#claims = options.claims;
    this.#observe = options.observe;
    for (const task of options.tasks.values()) {
      this.#entries.set(task.name, {
        task,
        inFlight: 0,
        stats: {
          name: task.name,
          type: task.type,
          scope: task.scope,
          schedule: task.describe,
          enabled: task.enabled,
          runs: 0,
          failures: 0,
          skips: 0,
          lastRun: null,
          nextRun: null,
        },
      });
    }
  }

  /** Starts every enabled task's clock; runs the `immediate` ones now. */
  start(): void {
    if (this.#ticking) return;
    this.#ticking = true;
    for (const entry of this.#entries.values()) {
      const { task } = entry;
      if (!task.enabled) continue;
      if (task.scope === 'cluster' && this.#claims !== undefined) {
        entry.clock = this.#claims.clock(task, (fireTime) => void this.#fire(entry, fireTime));
        entry.clock.start();
        continue;
      }
      if (task.interval !== undefined) {
        const interval = task.interval;
        entry.timer = setInterval(() => void this.run(task.name, 'tick'), interval);
        entry.stats.nextRun = new Date(Date.now() + interval).toISOString();
      } else if (task.cron !== undefined) {
        entry.cron = new Cron(
          task.cron,
          task.timezone === undefined ? {} : { timezone: task.timezone },
          () => void this.run(task.name, 'tick'),
        );
      }
      if (task.immediate) void this.run(task.name, 'immediate');
    }
    const enabled = [...this.#entries.values()].filter((e) => e.task.enabled).length;
    if (this.#entries.size > 0) this.#logger.info({ tasks: enabled }, `scheduler started: ${enabled} task${enabled === 1 ? '' : 's'}`);
  }

  /** Stops every clock: no tick fires after this. Runs under way finish on their own. */
  stop(): void {
    if (!this.#ticking) return;
    this.#ticking = false;
    for (const entry of this.#entries.values()) {
      if (entry.timer !== undefined) clearInterval(entry.timer);
      entry.cron?.stop();
      entry.clock?.stop();
      entry.timer = undefined;
      entry.cron = undefined;
      entry.clock = undefined;
      entry.stats.nextRun = null;
    }
  }

  /**
   * The agent closes: the clock stops, no run starts any more, and the
   * runs under way — in the agent, or waited for in workers — get `timeout`
   * ms to finish. Each one still going then is logged as cut off.
   */
  drain(timeout: number): Promise<void> {
    this.stop();
    return this.#runs.drain(timeout, this.#logger, 'agent');
  }

  /** Every task's figures. */
  list(): TaskStats[] {
    return [...this.#entries.values()].map((entry) => {
      const next = entry.cron?.nextRun() ?? (entry.clock?.next === undefined ? undefined : new Date(entry.clock.next));
      if (next) entry.stats.nextRun = next.toISOString();
      return { ...entry.stats, running: entry.inFlight > 0 };
    });
  }

  /** The task names, for error messages. */
  get names(): string[] {
    return [...this.#entries.keys()];
  }

  /** A fire or a run that does not happen: counted in the task's skips and in its metrics. */
  #skip(entry: Entry): RunResult {
    entry.stats.skips += 1;
    const skipped: RunResult = { name: entry.task.name, outcome: 'skipped', ms: 0 };
    this.#observe?.(entry.task, skipped);
    return skipped;
  }

  /**
   * One fire of a cluster task: claimed, then run here only when the claim
   * is granted. An instance whose previous run still goes (without overlap)
   * does not claim, so another instance can take the fire. A claim that
   * cannot be made (Redis lost or stalled), or that comes back after the
   * next fire time, skips the fire: it is logged and counted, and never run
   * twice.
   */
  async #fire(entry: Entry, fireTime: number): Promise<void> {
    const { task } = entry;
    if (!this.#ticking || this.#claims === undefined) return;
    if (entry.inFlight > 0 && !task.overlap) {
      this.#skip(entry);
      this.#logger.warn(
        { task: task.name, fireTime: new Date(fireTime).toISOString() },
        `task ${task.name}: not claiming the fire at ${new Date(fireTime).toISOString()}, its previous run here is still going (overlap: false)`,
      );
      return;
    }
    const outcome = await this.#claims.claimFire(task, fireTime);
    if (outcome === 'unreachable' || outcome === 'late') this.#skip(entry);
    if (typeof outcome === 'object' && this.#ticking) await this.run(task.name, 'tick', { claim: outcome });
  }

  /**
   * Runs a task now (`brood run-task`, `app.runTask`, with `args` for its
   * second parameter) or for a tick. Resolves with the outcome; rejects
   * only for a name no task has. A cluster task run by hand is claimed
   * first (a new fencing token), so the run is known across the cluster.
   */
  async run(name: string, trigger: 'tick' | 'immediate' | 'manual', given: { claim?: TaskClaim; args?: unknown } = {}): Promise<RunResult> {
    const { claim: fireClaim, args } = given;
    const entry = this.#entries.get(name);
    if (entry === undefined) {
      throw broodError(ERR.TASK_UNKNOWN, `no task named ${name}; known tasks: ${this.names.length === 0 ? 'none' : this.names.join(', ')}`);
    }
    if (trigger === 'tick' && !this.#ticking) return { name, outcome: 'skipped', ms: 0 };
    if (this.#runs.closed) {
      this.#logger.warn({ task: name, trigger }, `task ${name} not run: the agent is closing`);
      return { name, outcome: 'skipped', ms: 0, error: { code: ERR.NOT_RUNNING, message: `task ${name} not run: the agent is closing` } };
    }
    const { task, stats } = entry;
    let claim = fireClaim;
    if (claim === undefined && trigger === 'manual' && task.scope === 'cluster' && this.#claims !== undefined) {
      try {
        claim = await this.#claims.claimRun(task);
      } catch (thrown) {
        const error = asError(thrown);
        this.#logger.error({ task: name, err: error }, `task ${name} not run: ${error.message}`);
        return { name, outcome: 'failed', ms: 0, error: { code: codeOf(error) ?? ERR.UNKNOWN, message: error.message } };
      }
    }
    if (task.interval !== undefined && trigger === 'tick') stats.nextRun = new Date(Date.now() + task.interval).toISOString();
    if (entry.inFlight > 0 && !task.overlap) {
      this.#logger.warn({ task: name, trigger }, `task ${name} skipped: its previous run is still going (overlap: false)`);
      return this.#skip(entry);
    }
    const started = monotonicMs();
    const at = new Date().toISOString();
    // A run that outlives its timeout is failed but still going: with overlap: false the
    // next tick must see it, so it counts as running until it really ends.
    entry.inFlight += 1;
    const work = this.#dispatch(task, claim, args);
    this.#runs.track(name, work);
    const ended = (): void => {
      entry.inFlight -= 1;
    };
    work.then(ended, ended);
    let result: RunResult;
    try {
      await withTimeout(work, task.timeout, () =>
        broodError(ERR.TASK_TIMEOUT, `task ${name} ran longer than its ${task.timeout} ms timeout`),
      );
      result = { name, outcome: 'ok', ms: monotonicMs() - started };
      this.#logger.debug({ task: name, trigger, ms: result.ms, token: claim?.token }, `task ${name} ok`);
    } catch (thrown) {
      const error = asError(thrown);
      result = {
        name,
        outcome: 'failed',
        ms: monotonicMs() - started,
        error: { code: codeOf(error) ?? ERR.UNKNOWN, message: error.message, ...(error.stack === undefined ? {} : { stack: error.stack }) },
      };
      stats.failures += 1;
      this.#logger.error(
        { task: name, trigger, ms: Math.round(result.ms), err: error, token: claim?.token },
        `task ${name} failed after ${Math.round(result.ms)} ms: ${error.message}`,
      );
    }
    stats.runs += 1;
    this.#observe?.(task, result);
    stats.lastRun = {
      at,
      ms: Math.round(result.ms * 10) / 10,
      outcome: result.outcome,
      ...(result.error === undefined ? {} : { error: result.error.message }),
    };
    if (claim !== undefined) result.claim = claim;
    return result;
  }

  /**
   * Runs the task where its type says. A worker's run is waited for without
   * a clock of its own: the task's `timeout` fails the run (run() bounds
   * it) while the run, still going, keeps counting as running; a worker that
   * dies mid-run ends the wait with ERR_BROOD_TARGET_GONE.
   */
  async #dispatch(task: TaskDefinition, claim: TaskClaim | undefined, args: unknown): Promise<void> {
    const here = { name: task.name, ...(claim === undefined ? {} : { claim }), ...(args === undefined ? {} : { args }) };
    switch (task.type) {
      case 'agent':
        await task.run(this.#agentContext(task, claim), args);
        return;
      case 'worker':
        // A worker the master chose just as it began to close refuses the run: ask for another.
        for (let attempt = 1; ; attempt++) {
          try {
            await this.#messenger.call('random', 'task:run-here', here, { timeout: null });
            return;
          } catch (error) {
            if (!isClosing(error) || attempt >= MAX_CLOSING_RETRIES) throw error;
          }
        }
      case 'all': {
        const workers = this.#messenger.peers.workers;
        const results = await Promise.allSettled(workers.map((pid) => this.#messenger.call(pid, 'task:run-here', here, { timeout: null })));
        // A worker that is closing (a reload replaces it) takes no part in the run.
        const failed = results.flatMap((r, i) =>
          r.status === 'rejected' && !isClosing(r.reason) ? [{ pid: workers[i], error: asError(r.reason) }] : [],
        );
        const first = failed[0];
        if (first !== undefined) {
          const which = failed.map((f) => `worker ${f.pid}: ${f.error.message}`).join('; ');
          // The first failure, with the stack it had in its worker, is the cause.
          throw broodError(ERR.TASK_FAILED, `${failed.length} of ${workers.length} workers failed: ${which}`, first.error);
        }
        return;
      }
    }
  }
}

/** How often a worker task is sent again when the chosen worker was closing. */
const MAX_CLOSING_RETRIES = 3;

const isClosing = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === ERR.WORKER_CLOSING;
