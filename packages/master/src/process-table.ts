import type { Directory, Peers } from '@brood/messenger';
import type { ProcessState, SupervisedProcess } from './supervised-process.js';

/**
 * The one truth about every child of the master: its role, slot, pid,
 * state and restarts. The supervisor changes it; the router (as its
 * {@link Directory}), the peer announcements and `brood status` read it.
 */
export class ProcessTable implements Directory {
  #agent: SupervisedProcess | undefined;
  readonly #workers = new Map<number, SupervisedProcess>();
  #serving = false;
  readonly #listeners: Array<() => void> = [];

  /** Calls `listener` after every change of who takes messages. */
  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /** Adds a forked process; a new agent takes the agent's place. */
  add(proc: SupervisedProcess): void {
    if (proc.role === 'agent') this.#agent = proc;
    else this.#workers.set(proc.pid, proc);
  }

  /** Moves a process to `state`. */
  setState(proc: SupervisedProcess, state: ProcessState): void {
    proc.state = state;
    this.#changed();
  }

  /** Forgets a process that exited. */
  remove(proc: SupervisedProcess): void {
    if (this.#agent === proc) this.#agent = undefined;
    this.#workers.delete(proc.pid);
    this.#changed();
  }

  /** Every worker has been ready once: the application serves, and messages for workers flow. */
  markServing(): void {
    this.#serving = true;
    this.#changed();
  }

  /** The agent process, in whatever state. */
  get agentProcess(): SupervisedProcess | undefined {
    return this.#agent;
  }

  /** Every worker process, in whatever state. */
  get workers(): SupervisedProcess[] {
    return [...this.#workers.values()];
  }

  /** The agent and every worker. */
  all(): SupervisedProcess[] {
    return [...(this.#agent === undefined ? [] : [this.#agent]), ...this.#workers.values()];
  }

  /** The process with this pid. */
  get(pid: number): SupervisedProcess | undefined {
    return this.#agent?.pid === pid ? this.#agent : this.#workers.get(pid);
  }

  /** Ready processes: those that take messages. */
  ready(): SupervisedProcess[] {
    return this.all().filter((proc) => proc.state === 'ready');
  }

  /** The lowest worker slot no worker holds. */
  freeSlot(): number {
    const taken = new Set(this.workers.map((w) => w.slot));
    let slot = 1;
    while (taken.has(slot)) slot += 1;
    return slot;
  }

  /** The ready agent and workers, as the children are told. */
  peers(): Peers {
    return { agent: this.agent() ?? null, workers: this.readyWorkers() };
  }

  agent(): number | undefined {
    return this.#agent?.state === 'ready' ? this.#agent.pid : undefined;
  }

  readyWorkers(): number[] {
    const pids: number[] = [];
    for (const worker of this.#workers.values()) if (worker.state === 'ready') pids.push(worker.pid);
    return pids;
  }

  appReady(): boolean {
    return this.#serving;
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}
