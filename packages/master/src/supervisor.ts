import { BootClock, type Logger } from '@brood/core';
import { type BroodError, broodError, ERR, type ErrorCode, messageOf } from '@brood/errors';
import { type CloseMessage, type Envelope, envelope, monotonicMs, type Router, type Sender } from '@brood/messenger';
import type { AppPort } from './app-port.js';
import { dispatchChildMessage } from './child-messages.js';
import type { MasterState } from './master-state.js';
import type { ResolvedOptions } from './options.js';
import { announcePeers, welcome } from './peers.js';
import type { ProcessFactory } from './process-factory.js';
import { killProcessGroup } from './process-groups.js';
import type { ProcessTable } from './process-table.js';
import { RestartPolicy } from './restart-policy.js';
import type { SupervisedProcess } from './supervised-process.js';

/** Extra time the master gives a booting child to report its own timeout (which names the hook) before it kills it. */
const BOOT_GRACE_MS = 1000;
/** How long a process killed after its close timeout may take to be gone. */
const KILL_WAIT_MS = 1000;

/** What the supervisor needs of the master it works for. */
export interface SupervisorHost {
  readonly state: MasterState;
  /** A crash loop went past `maxRestarts`: the master stops, with this error. */
  giveUp(error: BroodError): void;
  /** A crashed process of `role` is about to be forked again (metrics). */
  restarting?(role: 'agent' | 'worker'): void;
  /** A worker has loaded and waits for the word to run its hooks (agent-gate.ts). */
  workerLoaded(proc: SupervisedProcess): void;
}

/** The most a {@link Supervisor.closeAll} of `timeout` can take, the kill of what is left included. */
export function closeBudget(timeout: number): number {
  return timeout + BOOT_GRACE_MS + KILL_WAIT_MS;
}

/**
 * Forks the agent and the workers, follows each through its life — boot
 * timeout, ready, exit — and replaces what crashes as its
 * {@link RestartPolicy} says. It writes every change to the process table
 * and opens and closes each child's channel on the router.
 */
export class Supervisor {
  readonly router: Router;
  readonly logger: Logger;
  /** The app's port, which the workers ask for. */
  readonly port: AppPort;
  readonly #settings: ResolvedOptions;
  readonly #table: ProcessTable;
  readonly #factory: ProcessFactory;
  readonly #host: SupervisorHost;
  readonly #policy: RestartPolicy;

  constructor(options: {
    settings: ResolvedOptions;
    logger: Logger;
    table: ProcessTable;
    router: Router;
    factory: ProcessFactory;
    port: AppPort;
    host: SupervisorHost;
  }) {
    this.#settings = options.settings;
    this.logger = options.logger;
    this.#table = options.table;
    this.router = options.router;
    this.#factory = options.factory;
    this.port = options.port;
    this.#host = options.host;
    this.#policy = new RestartPolicy(options.settings);
  }

  /** Forks the agent; it takes the agent's place in the table. */
  spawnAgent(): SupervisedProcess {
    const { agentStartTimeout } = this.#settings;
    return this.#watch(this.#factory.forkAgent(), agentStartTimeout, ERR.AGENT_START_TIMEOUT, ERR.AGENT_START_FAILED);
  }

  /** Forks a worker into `slot`, or into the lowest slot no worker holds; a `spare` stays out of rotation. */
  spawnWorker(slot = this.#table.freeSlot(), spare = false): SupervisedProcess {
    const { workerStartTimeout } = this.#settings;
    const proc = this.#factory.forkWorker(slot);
    proc.spare = spare;
    return this.#watch(proc, workerStartTimeout, ERR.WORKER_START_TIMEOUT, ERR.WORKER_START_FAILED);
  }

  /** The workers of start-up, and the spares after them, all at once. */
  spawnWorkers(): SupervisedProcess[] {
    const { workers, spareWorkers } = this.#settings;
    return Array.from({ length: workers + spareWorkers }, (_, i) => this.spawnWorker(undefined, i >= workers));
  }

  /** A child reported ready: it takes messages, and once the app serves, it joins. */
  ready(proc: SupervisedProcess): void {
    proc.readyAt = monotonicMs();
    this.#table.setState(proc, 'ready');
    proc.ready.resolve();
    if (this.#host.state === 'running') {
      welcome(proc, this.#table, this.router);
      this.logger.info({ peers: this.#table.peers() }, `${proc.label} ready`);
    }
  }

  /**
   * A child has loaded: its time limit counts from now (its own, which names
   * what is pending, started when Brood's code began in it), and a worker
   * waits for the host's word to go on.
   */
  loaded(proc: SupervisedProcess): void {
    proc.bootClock?.restart();
    if (proc.role === 'worker') this.#host.workerLoaded(proc);
  }

  /**
   * Waits until a process a reload forked is ready. Until then its death is
   * the reload's to handle, not supervision's: it is killed and the reload
   * stops, instead of being forked again with the same code.
   */
  async tryOut(proc: SupervisedProcess): Promise<void> {
    proc.supervised = false;
    try {
      await proc.ready.promise;
      proc.supervised = true;
    } catch (error) {
      proc.stopRequested = true;
      proc.kill();
      throw error;
    }
  }

  /** Closes every worker, then the agent, each within `timeout`: the order of a stop. */
  async closeInOrder(timeout: number): Promise<void> {
    await this.closeAll(this.#table.workers, timeout);
    const agent = this.#table.agentProcess;
    if (agent !== undefined) await this.closeAll([agent], timeout);
  }

  /** Asks each process to close within `timeout`, then kills what is left; resolves when all are gone. */
  async closeAll(processes: SupervisedProcess[], timeout: number): Promise<void> {
    for (const proc of processes) {
      proc.stopRequested = true;
      this.#table.setState(proc, 'closing');
    }
    // Everyone left learns at once that these no longer take work (random, app, scheduled tasks).
    this.#announce();
    const close = envelope<CloseMessage>({ type: 'process:close', timeout });
    for (const proc of processes) {
      if (!proc.write(close)) proc.kill();
    }
    await Promise.all(
      processes.map(async (proc) => {
        if (await proc.waitExit(timeout + BOOT_GRACE_MS)) return;
        this.logger.warn(`${proc.label} did not exit within ${timeout} ms; killing it`);
        proc.kill();
        await proc.waitExit(KILL_WAIT_MS);
      }),
    );
  }

  /** Kills every child at once. */
  killAll(): void {
    for (const proc of this.#table.all()) proc.kill();
  }

  /** Wires a new child: the table, its channel and messages, its start timeout, its exit. */
  #watch(proc: SupervisedProcess, timeout: number, timeoutCode: ErrorCode, failCode: ErrorCode): SupervisedProcess {
    this.#table.add(proc);
    this.router.open({ role: proc.role, pid: proc.pid }, (message, written) => proc.send(message, written));
    proc.child.on('message', (raw: unknown) => this.router.receive(proc.pid, raw));
    // A closed channel while the master itself is exiting is no news.
    proc.child.on('error', (error) => this.logger.debug({ err: error }, `${proc.label} channel error`));
    const timer = new BootClock(timeout + BOOT_GRACE_MS, () => {
      proc.ready.reject(broodError(timeoutCode, `${proc.label} did not become ready within ${timeout} ms`));
      proc.kill();
    });
    // The child itself keeps the master alive while it boots; its clock must not on its own.
    timer.unref();
    proc.bootClock = timer;
    const settled = (): void => timer.clear();
    proc.ready.promise.then(settled, settled);
    proc.child.once('exit', (code, signal) => {
      timer.clear();
      const how = signal === null ? `code ${code}` : `signal ${signal}`;
      proc.ready.reject(broodError(failCode, `${proc.label} exited with ${how} before it was ready`));
      proc.exited.resolve({ code, signal });
      // What it started and left running goes with it, whether it closed or was killed.
      if (proc.leadsGroup) killProcessGroup(proc.pid);
      this.#exited(proc, how);
    });
    return proc;
  }

  /** A control envelope of a child, handed on by the router: what concerns the child's own life. */
  fromChild(from: Sender, message: Envelope): void {
    const proc = this.#table.get(from.pid);
    if (proc !== undefined) dispatchChildMessage(this, proc, message);
  }

  #exited(proc: SupervisedProcess, how: string): void {
    this.router.close(proc.pid);
    this.#table.remove(proc);
    if (this.#host.state !== 'running' || proc.stopRequested || !proc.supervised) return;
    // A spare takes the dead worker's place at once, and the worker forked in its stead is the spare.
    const promoted = proc.role === 'worker' && !proc.spare && this.#promoteSpare(proc);
    this.#announce();
    this.#restart(proc, `${proc.label} exited unexpectedly with ${how}`, proc.readyAt, proc.spare || promoted);
  }

  /** Puts a ready spare in rotation in the place of `dead`; false when there is none. */
  #promoteSpare(dead: SupervisedProcess): boolean {
    const spare = this.#table.workers.find((w) => w.spare && w.state === 'ready');
    if (spare === undefined) return false;
    spare.spare = false;
    // Under none the spare gets the listening socket now; under rr the balancer hands it connections.
    this.port.grant(spare);
    this.#table.setState(spare, 'ready');
    this.logger.info(`${spare.label} takes the place of ${dead.label}`);
    return true;
  }

  /**
   * Replaces a crashed process into its slot, at once or after the wait of
   * a crash loop, or gives up; `what` says what happened, `readyAt` when the
   * process that held the slot was ready (undefined: it never was, or the
   * fork itself failed); `spare`: the new worker is a spare.
   */
  #restart(crashed: SupervisedProcess, what: string, readyAt: number | undefined, spare = false): void {
    const slot = crashed.role === 'agent' ? 'agent' : `worker ${crashed.slot}`;
    const { wait, loop } = this.#policy.exited(slot, readyAt, monotonicMs());
    if (wait === null) {
      this.logger.warn(what);
      const { minUptime } = this.#settings;
      this.#host.giveUp(
        broodError(
          ERR.TOO_MANY_RESTARTS,
          `${slot} crashed ${loop} times in a row, each time within ${minUptime} ms of being ready; giving up`,
        ),
      );
      return;
    }
    const how = wait === 0 ? 'restarting at once' : `crash loop (${loop} in a row): restarting in ${wait} ms`;
    this.logger.warn({ wait, loop, slot }, `${what}; ${how}`);
    this.#host.restarting?.(crashed.role);
    setTimeout(() => {
      if (this.#host.state !== 'running') return;
      let next: SupervisedProcess;
      try {
        next = crashed.role === 'agent' ? this.spawnAgent() : this.spawnWorker(crashed.slot, spare);
      } catch (error) {
        // A fork that fails (no memory, no pids left) is a crash of the slot before it was ever ready.
        this.#restart(crashed, `cannot fork the ${crashed.role}: ${messageOf(error)}`, undefined, spare);
        return;
      }
      next.restarts = crashed.restarts + 1;
      next.ready.promise.catch((error: unknown) => this.logger.error({ err: error }, messageOf(error)));
    }, wait);
  }

  #announce(): void {
    if (this.#host.state === 'running' || this.#host.state === 'stopping') announcePeers(this.#table, this.router);
  }
}
