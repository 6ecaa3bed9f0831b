import { monotonicMs } from '@brood/messenger';
import type { Logger } from './logger.js';
import { settlesWithin } from './timeout.js';

/** One task run under way. */
interface Run {
  name: string;
  started: number;
}

/**
 * The scheduled task runs under way in one process (the agent, a worker),
 * so that its close can wait for them and name each one it cuts off. A
 * closing process takes no new run: `closed` says so.
 */
export class TaskRuns {
  readonly #running = new Map<Promise<void>, Run>();
  #closed = false;

  /** True once {@link drain} began: new runs are refused. */
  get closed(): boolean {
    return this.#closed;
  }

  /** How many runs are under way. */
  get size(): number {
    return this.#running.size;
  }

  /** Counts `run` as under way until it settles. */
  track(name: string, run: Promise<unknown>): void {
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.#running.set(settled, { name, started: monotonicMs() });
    void settled.then(() => this.#running.delete(settled));
  }

  /**
   * Refuses new runs, and waits up to `timeout` ms for those under way.
   * Each one still going then is logged as cut off, with its name and how
   * long it ran: the process exits under it.
   */
  async drain(timeout: number, logger: Logger, role: 'agent' | 'worker'): Promise<void> {
    this.#closed = true;
    if (this.#running.size === 0) return;
    const names = [...this.#running.values()].map((run) => run.name);
    logger.info({ tasks: names, timeout }, `waiting up to ${timeout} ms for the task runs under way: ${names.join(', ')}`);
    if (await settlesWithin(Promise.all(this.#running.keys()), timeout)) return;
    for (const { name, started } of this.#running.values()) {
      const ms = Math.round(monotonicMs() - started);
      logger.warn(
        { task: name, ms, timeout, event: 'task-cut-off' },
        `task ${name} cut off: still running after ${ms} ms when the ${role} closed (it waited ${timeout} ms, within shutdownTimeout)`,
      );
    }
  }
}
