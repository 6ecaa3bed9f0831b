import type { Logger } from '@brood/core';
import { broodError, ERR, messageOf } from '@brood/errors';
import type { MasterState } from './master-state.js';
import type { ResolvedOptions } from './options.js';
import type { ProcessFactory } from './process-factory.js';
import type { ProcessTable } from './process-table.js';
import type { Supervisor } from './supervisor.js';

/** What a reload did. */
export interface ReloadResult {
  /** The pids of the workers that were replaced. */
  replaced: number[];
  workers: number[];
  agent: number | null;
  ms: number;
}

/** What a reload needs of the master. */
export interface ReloadHost {
  readonly state: MasterState;
  /** Compiles the app as it is now and writes its typings; resolves with the build folder. */
  build(): Promise<string>;
}

/**
 * Rolling restart with the app's current code, make-before-break: the app
 * is compiled again (a compile error stops the reload and the running
 * processes keep serving); then, one worker at a time, a new worker is
 * forked and must be ready before an old one is told to close, so there
 * is always a ready worker and no request is dropped. Last the agent is
 * closed and forked again: messages for it are held while it is away.
 * Concurrent calls share one reload.
 */
export class Reloader {
  readonly #settings: ResolvedOptions;
  readonly #logger: Logger;
  readonly #table: ProcessTable;
  readonly #supervisor: Supervisor;
  readonly #factory: ProcessFactory;
  readonly #host: ReloadHost;
  #reloading: Promise<ReloadResult> | undefined;

  constructor(options: {
    settings: ResolvedOptions;
    logger: Logger;
    table: ProcessTable;
    supervisor: Supervisor;
    factory: ProcessFactory;
    host: ReloadHost;
  }) {
    this.#settings = options.settings;
    this.#logger = options.logger;
    this.#table = options.table;
    this.#supervisor = options.supervisor;
    this.#factory = options.factory;
    this.#host = options.host;
  }

  /** True while a reload runs. */
  get busy(): boolean {
    return this.#reloading !== undefined;
  }

  reload(reason: string): Promise<ReloadResult> {
    this.#reloading ??= this.#reload(reason).finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  async #reload(reason: string): Promise<ReloadResult> {
    if (this.#host.state !== 'running') throw broodError(ERR.NOT_RUNNING, `cannot reload: the master is ${this.#host.state}`);
    const started = performance.now();
    this.#logger.info({ reason }, `brood reloading: ${reason}`);
    const previousBuild = this.#factory.agentBuild;
    this.#factory.useBuild(await this.#host.build());
    const replaced = await this.#replaceWorkers();
    await this.#replaceAgent(previousBuild);
    const result: ReloadResult = {
      replaced,
      workers: this.#table.readyWorkers(),
      agent: this.#table.agent() ?? null,
      ms: Math.round(performance.now() - started),
    };
    this.#logger.info(
      { ...result, event: 'reloaded' },
      `brood reloaded in ${result.ms} ms: workers ${result.workers.join(', ')}, agent ${result.agent}`,
    );
    return result;
  }

  /** One worker at a time: the new one ready, then the old one closed. */
  async #replaceWorkers(): Promise<number[]> {
    const replaced: number[] = [];
    for (const old of this.#table.workers) {
      if (this.#host.state !== 'running') break;
      if (old.stopRequested) continue;
      try {
        await this.#supervisor.tryOut(this.#supervisor.spawnWorker(old.slot, old.spare));
      } catch (error) {
        throw broodError(ERR.RELOAD_FAILED, `reload stopped, the running workers keep serving: ${messageOf(error)}`, error);
      }
      await this.#supervisor.closeAll([old], this.#settings.shutdownTimeout);
      replaced.push(old.pid);
    }
    return replaced;
  }

  /** The agent last: closed, then forked again; when the new one cannot boot, the previous build's agent comes back. */
  async #replaceAgent(previousBuild: string): Promise<void> {
    const old = this.#table.agentProcess;
    if (old !== undefined && this.#host.state === 'running') await this.#supervisor.closeAll([old], this.#settings.shutdownTimeout);
    if (this.#host.state !== 'running' || this.#table.agentProcess !== undefined) return;
    try {
      await this.#supervisor.tryOut(this.#supervisor.spawnAgent());
    } catch (error) {
      this.#factory.agentBuild = previousBuild;
      this.#supervisor.spawnAgent().ready.promise.catch((again: unknown) => this.#logger.error({ err: again }, messageOf(again)));
      throw broodError(ERR.RELOAD_FAILED, `the new agent failed to start, the previous version runs again: ${messageOf(error)}`, error);
    }
  }
}
