import { type BootContinueMessage, envelope, monotonicMs } from '@brood/messenger';
import type { SupervisedProcess } from './supervised-process.js';
import type { Supervisor } from './supervisor.js';

/** When each step of start-up happened, in ms since the master's process started (`monotonicMs()`). */
export interface BootTimeline {
  /** The master is ready to fork: app checked, control socket open, app compiled. */
  fork: number;
  /** When each worker had loaded (and began to wait for the agent, if it was not ready), in order. */
  workersLoaded: number[];
  agentReady: number;
  /** When each worker was ready, in order. */
  workersReady: number[];
}

const ms = (): number => Math.round(monotonicMs());

/**
 * Where the workers of start-up wait for the agent (docs/cluster.md). The
 * master forks the agent and the workers together; a worker that has
 * loaded says `boot:loaded` and waits here, its boot clock stopped, until
 * the agent is ready and the gate opens: then it gets `boot:continue` and
 * runs its hooks. Once open the gate stays open, so a worker forked later
 * (a crash, a reload) goes on at once.
 */
export class AgentGate {
  readonly #timeline: BootTimeline = { fork: 0, workersLoaded: [], agentReady: 0, workersReady: [] };
  /** True until start-up is over: later forks are not part of its timeline. */
  #starting = true;
  #open = false;
  readonly #waiting = new Set<SupervisedProcess>();

  /**
   * Forks the agent and the workers of start-up (the spares with them) at
   * once, and resolves when every one is ready: the workers went on once
   * the agent was. Rejects with the first failure; `throwIfStopped` stops
   * the workers from going on when a stop came meanwhile.
   */
  async start(supervisor: Supervisor, throwIfStopped: () => void): Promise<void> {
    this.#timeline.fork = ms();
    // The workers first: each fork holds the master for a few ms (3-4 ms on a 2-core machine),
    // and a worker's boot, not the agent's, is what the first request waits for.
    const workers = supervisor.spawnWorkers();
    const agent = supervisor.spawnAgent();
    const agentReady = agent.ready.promise.then(() => {
      throwIfStopped();
      this.open();
    });
    await Promise.all([agentReady, ...workers.map((worker) => worker.ready.promise.then(() => this.#workerReady()))]);
  }

  /** A worker has loaded: it goes on now if the agent is ready, else when it is. */
  loaded(proc: SupervisedProcess): void {
    if (this.#starting) this.#timeline.workersLoaded.push(ms());
    if (!this.#open) {
      // The wait is not the worker's to count against workerStartTimeout.
      proc.bootClock?.pause();
      this.#waiting.add(proc);
      return;
    }
    this.#continue(proc);
  }

  /** The agent is ready: every worker waiting goes on, and those to come will not wait. */
  open(): void {
    this.#timeline.agentReady = ms();
    this.#open = true;
    for (const proc of this.#waiting) if (!proc.hasExited) this.#continue(proc);
    this.#waiting.clear();
  }

  /** A worker of start-up is ready. */
  #workerReady(): void {
    this.#timeline.workersReady.push(ms());
  }

  /** Start-up is over: its timeline, for the `started` line. */
  started(): BootTimeline {
    this.#starting = false;
    return this.#timeline;
  }

  #continue(proc: SupervisedProcess): void {
    proc.bootClock?.resume();
    proc.write(envelope<BootContinueMessage>({ type: 'boot:continue' }));
  }
}
