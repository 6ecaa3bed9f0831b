import { fork } from 'node:child_process';
import cluster from 'node:cluster';
import { type ClusterProcessOptions, PROCESS_OPTIONS_ENV, type ProcessOptions, RUN_BUNDLE_ENV, WORKER_SLOT_ENV } from '@brood/core';
import type { AppPort } from './app-port.js';
import { agentExecArgv, inspectPort, usesInspector, workerExecArgv } from './inspect.js';
import type { ResolvedOptions } from './options.js';
import { DETACHED, forkInOwnGroup } from './process-groups.js';
import { SupervisedProcess } from './supervised-process.js';

/** The scripts the master forks: the agent's and a worker's entry files. */
export interface Entries {
  agent: string;
  worker: string;
  /**
   * The file of `@brood/core/run-bundle`, which both entries load, as the
   * installation that names them resolves it (Brood's packages are released
   * together). Named to each child in `RUN_BUNDLE_ENV`, so that it does not
   * resolve a package export itself; without it, each entry does.
   */
  runBundle?: string;
}

/**
 * Forks the agent and the workers with what they must know: the options of
 * ProcessOptions in their environment, the build to run, the Node flags.
 * The agent runs `agentBuild` — the workers' build, unless a reload's new
 * agent could not boot and the previous one runs again.
 */
export class ProcessFactory {
  readonly #settings: ResolvedOptions;
  readonly #entries: Entries;
  readonly #port: AppPort;
  /** The compiled app the workers run. */
  workerBuild = '';
  /** The compiled app the agent runs. */
  agentBuild = '';
  /** Cluster mode, told to the agent alone: workers reach the cluster through it. */
  cluster: ClusterProcessOptions | undefined;

  constructor(settings: ResolvedOptions, entries: Entries, port: AppPort) {
    this.#settings = settings;
    this.#entries = entries;
    this.#port = port;
  }

  /** `RUN_BUNDLE_ENV` for a child, when the entries came with the run-bundle file. */
  #runBundleEnv(): Record<string, string> {
    return this.#entries.runBundle === undefined ? {} : { [RUN_BUNDLE_ENV]: this.#entries.runBundle };
  }

  /** Both roles run `dir` from now on. */
  useBuild(dir: string): void {
    this.workerBuild = dir;
    this.agentBuild = dir;
  }

  forkAgent(): SupervisedProcess {
    const child = fork(this.#entries.agent, [], {
      env: {
        ...process.env,
        ...this.#runBundleEnv(),
        [PROCESS_OPTIONS_ENV]: this.#processOptions(this.#settings.agentStartTimeout, this.agentBuild, { cluster: this.cluster }),
      },
      execArgv: agentExecArgv(this.#execArgv()),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // A process group of its own, killed with it: see process-groups.ts.
      detached: DETACHED,
    });
    return new SupervisedProcess('agent', child, 0, undefined, DETACHED);
  }

  /** Sets cluster up for the workers; read by Node when the first worker listens, so before any fork. */
  setupCluster(): void {
    cluster.schedulingPolicy = this.#settings.schedulingPolicy === 'rr' ? cluster.SCHED_RR : cluster.SCHED_NONE;
    cluster.setupPrimary({
      exec: this.#entries.worker,
      args: [],
      execArgv: workerExecArgv(this.#execArgv()),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
  }

  forkWorker(slot: number): SupervisedProcess {
    const options = this.#processOptions(this.#settings.workerStartTimeout, this.workerBuild, { sharedPort: true });
    // Under an inspector each slot keeps its port (inspect.ts): read by Node at this fork.
    if (usesInspector()) cluster.settings.inspectPort = inspectPort('worker', slot);
    const worker = forkInOwnGroup(() =>
      cluster.fork({ ...this.#runBundleEnv(), [PROCESS_OPTIONS_ENV]: options, [WORKER_SLOT_ENV]: String(slot) }),
    );
    return new SupervisedProcess('worker', worker.process, slot, worker, DETACHED);
  }

  /** What one process is told; `sharedPort` for workers (the master shares the port), `cluster` for the agent. */
  #processOptions(
    startTimeout: number,
    buildDir: string,
    role: { sharedPort?: true; cluster?: ClusterProcessOptions | undefined },
  ): string {
    const {
      baseDir,
      env,
      host,
      pretty,
      logLevel,
      shutdownTimeout,
      requestTimeout,
      maxPendingBytes,
      logDir,
      logRotate,
      unhandledRejection,
      ops,
    } = this.#settings;
    const { sharedPort, cluster } = role;
    // The probes are the workers' to answer on the app port, unless the master answers them on a port of its own.
    const probes = ops.management === null && (ops.health.liveness !== null || ops.health.readiness !== null) ? ops.health : undefined;
    const options: ProcessOptions = {
      baseDir,
      buildDir,
      env,
      // The port the master bound: a port picked with 0 is the same one for every process.
      port: this.#port.address?.port ?? this.#settings.port,
      ...(sharedPort === undefined ? {} : { sharedPort }),
      pretty,
      logLevel,
      startTimeout,
      shutdownTimeout,
      requestTimeout,
      unhandledRejection,
      maxPendingBytes,
      ...(host === undefined ? {} : { host }),
      ...(Object.keys(this.#settings.listen).length === 0 ? {} : { transport: this.#settings.listen }),
      ...(logDir === undefined ? {} : { logDir }),
      ...(logRotate === undefined ? {} : { logRotate }),
      ...(cluster === undefined ? {} : { cluster }),
      ...(probes === undefined ? {} : { probes }),
      ...(ops.metricsPath === null ? {} : { metrics: true }),
      ...(ops.maxEventLoopBlock === null ? {} : { maxEventLoopBlock: ops.maxEventLoopBlock }),
      ...(logDir !== undefined && this.#settings.daemonOutput !== undefined ? { logFileOnly: true } : {}),
    };
    return JSON.stringify(options);
  }

  /**
   * Source maps make stack traces point at the app's .ts files, but Node's
   * source-map support slows every request that builds a stack trace:
   * measured 5 % of hello-world throughput. So they are on in `brood dev`
   * and an option in production.
   */
  #execArgv(): string[] {
    return this.#settings.sourceMaps ? [...process.execArgv, '--enable-source-maps'] : [...process.execArgv];
  }
}
