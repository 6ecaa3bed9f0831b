import type { Logger } from '@brood/core';
import type { PongMessage, Sender } from '@brood/messenger';
import { CpuSampler } from '../control/cpu-sampler.js';
import type { MasterState } from '../master-state.js';
import type { ResolvedOptions } from '../options.js';
import { Guards, type MasterParts } from './guards.js';
import { Heartbeat, heartbeatPeriod, type Vitals } from './heartbeat.js';
import { InstanceHealth, WEDGED_MS } from './instance-health.js';
import { ManagementServer } from './management-server.js';
import { MasterMetrics } from './master-metrics.js';

/** What operations need of the master. */
export interface OperationsHost {
  state(): MasterState;
  /** True while a reload runs. */
  reloading(): boolean;
}

/**
 * What the master does for operators, in one place for master.ts to call:
 * the heartbeat, the guards it drives, the CPU readings of `brood status`,
 * the instance's health, the metrics, and the management port that serves
 * them (docs/operations.md).
 */
export class Operations {
  readonly heartbeat: Heartbeat;
  readonly health: InstanceHealth;
  readonly cpu = new CpuSampler();
  readonly metrics: MasterMetrics | undefined;
  readonly #settings: ResolvedOptions;
  readonly #logger: Logger;
  readonly #server: ManagementServer | undefined;

  constructor(options: MasterParts & { host: OperationsHost }) {
    const { settings, logger, table, router, supervisor, host } = options;
    const { ops } = settings;
    this.#settings = settings;
    this.#logger = logger;
    this.metrics = ops.metricsPath === null ? undefined : new MasterMetrics(table, router);
    const metrics = this.metrics;
    let guards: Guards | undefined;
    this.heartbeat = new Heartbeat({
      table,
      router,
      period: heartbeatPeriod(ops.maxEventLoopBlock),
      live: () => this.health.live().ok,
      onTick: () => {
        this.cpu.sampleAll([process.pid, ...table.all().map((proc) => proc.pid)]);
        guards?.checkEventLoops();
      },
      onPong: (pid) => guards?.checkMemory(pid),
    });
    const state = {
      get state() {
        return host.state();
      },
    };
    this.health = new InstanceHealth(state, table, this.heartbeat, ops.maxEventLoopBlock ?? WEDGED_MS);
    guards = new Guards({
      settings,
      logger,
      table,
      router,
      supervisor,
      heartbeat: this.heartbeat,
      host: {
        get state() {
          return host.state();
        },
        get reloading() {
          return host.reloading();
        },
        replaced: (role, reason) => metrics?.guarded(role, reason),
      },
    });
    if (ops.management !== null) {
      this.#server = new ManagementServer({ ops, host: settings.host, logger, health: this.health, metrics: this.metrics });
    }
  }

  /** Starts the heartbeat and opens the management port, before anything is forked: probes answer from then on. */
  async open(): Promise<void> {
    this.heartbeat.start();
    const { management, metricsPath, health } = this.#settings.ops;
    if (this.#server === undefined || management === null) return;
    const url = await this.#server.listen(management.port);
    const paths = [health.liveness, health.readiness, metricsPath].filter((p) => p !== null).join(', ');
    this.#logger.info({ event: 'management', url }, `management port on ${url}${paths === '' ? '' : `: ${paths}`}`);
  }

  /** A process answered the heartbeat. */
  pong(from: Sender, message: PongMessage): void {
    this.heartbeat.pong(from.pid, message);
  }

  /** The last answer of a process to the heartbeat. */
  vitals(pid: number): Vitals | undefined {
    return this.heartbeat.vitals(pid);
  }

  /**
   * Readiness is 503 from the first moment of a stop; this waits
   * `readinessDrainDelay` before the workers close, for load balancers
   * (Kubernetes' endpoints) to stop sending new requests first.
   */
  async drain(): Promise<void> {
    const { readinessDrainDelay } = this.#settings.ops;
    if (readinessDrainDelay === 0) return;
    this.#logger.info({ readinessDrainDelay }, `readiness is 503; the workers close in ${readinessDrainDelay} ms (readinessDrainDelay)`);
    await new Promise((resolve) => setTimeout(resolve, readinessDrainDelay));
  }

  /** Counts a reload by its outcome and passes it on. */
  async counted<T>(reload: Promise<T>): Promise<T> {
    try {
      const result = await reload;
      this.metrics?.reloaded(true);
      return result;
    } catch (error) {
      this.metrics?.reloaded(false);
      throw error;
    }
  }

  /** Stops the heartbeat and closes the management port: the last thing a stop does. */
  close(): void {
    this.heartbeat.stop();
    this.#server?.close();
  }
}
