import type { Logger } from '@brood/core';
import { broodError, ERR, messageOf } from '@brood/errors';
import { monotonicMs } from '@brood/messenger';
import type { MasterState } from './master-state.js';
import type { ResolvedOptions } from './options.js';
import type { ProcessFactory } from './process-factory.js';
import type { ProcessTable } from './process-table.js';
import { EVERYTHING, type ReloadScope, scopeOf } from './reload-scope.js';
import type { Supervisor } from './supervisor.js';

/** What a reload did. */
export interface ReloadResult {
  /** The pids of the workers that were replaced. */
  replaced: number[];
  workers: number[];
  agent: number | null;
  /** False when the workers were kept: nothing they load changed. */
  workersReplaced: boolean;
  /** False when the agent was kept, its state with it: `--workers`, or nothing it loads changed. */
  agentReplaced: boolean;
  ms: number;
}

/** What a reload replaces. */
export interface ReloadOptions {
  /** `'workers'`: the workers alone (`brood reload --workers`); the agent keeps running. */
  only?: 'workers';
  /** The source files that changed (`brood dev`): each role is replaced only when it loads one of them. */
  changed?: string[];
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
 * A reload may replace one role alone (see {@link ReloadOptions}): the
 * workers (`brood reload --workers`), or, under `brood dev`, the roles that
 * load a changed file (reload-scope.ts), so that the agent keeps its state
 * through an edit of a controller.
 */
export class Reloader {
  readonly #settings: ResolvedOptions;
  readonly #logger: Logger;
  readonly #table: ProcessTable;
  readonly #supervisor: Supervisor;
  readonly #factory: ProcessFactory;
  readonly #host: ReloadHost;
  #reloading: { key: string; promise: Promise<ReloadResult> } | undefined;

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

  /**
   * Reloads what `options` says. A call made while a reload with the same
   * options runs shares it; one with other options runs after it, so that
   * neither is lost.
   */
  reload(reason: string, options: ReloadOptions = {}): Promise<ReloadResult> {
    const key = JSON.stringify(options);
    if (this.#reloading?.key === key) return this.#reloading.promise;
    const before = this.#reloading?.promise.then(
      () => undefined,
      () => undefined,
    );
    const promise: Promise<ReloadResult> = (before ?? Promise.resolve()).then(() => this.#reload(reason, options));
    const current = { key, promise };
    this.#reloading = current;
    const done = (): void => {
      if (this.#reloading === current) this.#reloading = undefined;
    };
    promise.then(done, done);
    return promise;
  }

  async #reload(reason: string, options: ReloadOptions): Promise<ReloadResult> {
    if (this.#host.state !== 'running') throw broodError(ERR.NOT_RUNNING, `cannot reload: the master is ${this.#host.state}`);
    const started = monotonicMs();
    this.#logger.info({ reason }, `brood reloading: ${reason}`);
    const { agentBuild: previousBuild, workerBuild } = this.#factory;
    const build = await this.#host.build();
    const scope: ReloadScope =
      options.only === 'workers'
        ? { workers: true, agent: false }
        : options.changed === undefined
          ? EVERYTHING
          : scopeOf(options.changed, [workerBuild, previousBuild, build]);
    // New processes of either role start from the new build, a kept role's included (after a crash):
    // the files it loads are the same in both, and an older build may be pruned.
    this.#factory.useBuild(build);
    const replaced = scope.workers ? await this.#replaceWorkers() : [];
    if (scope.agent) await this.#replaceAgent(previousBuild);
    const result: ReloadResult = {
      replaced,
      workers: this.#table.readyWorkers(),
      agent: this.#table.agent() ?? null,
      workersReplaced: scope.workers,
      agentReplaced: scope.agent,
      ms: Math.round(monotonicMs() - started),
    };
    const kept = (replacedRole: boolean): string => (replacedRole ? '' : ' kept');
    this.#logger.info(
      { ...result, event: 'reloaded' },
      `brood reloaded in ${result.ms} ms: workers ${result.workers.join(', ')}${kept(scope.workers)}, agent ${result.agent}${kept(scope.agent)}`,
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
