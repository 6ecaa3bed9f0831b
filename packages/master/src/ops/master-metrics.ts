import { promClient } from '@brood/core';
import type { MetricSnapshot, Router } from '@brood/messenger';
import type { Counter, Registry } from 'prom-client';
import type { ProcessTable } from '../process-table.js';
import type { GuardReason } from './guards.js';

/** How long a scrape waits for each process's metrics; a process that does not answer is left out of that scrape. */
const COLLECT_TIMEOUT_MS = 3000;

/**
 * The master's metrics and the scrape of everyone's. The master's registry
 * holds its own process metrics (labelled `role="master"`) and what only it
 * knows: restarts, reloads, guard replacements, processes by state. A
 * scrape asks every ready agent and worker for theirs over Brood's own
 * messenger (`metrics:collect`) — not through cluster's messages, which
 * prom-client's AggregatorRegistry expects — and merges them with
 * `AggregatorRegistry.aggregate()`. Every series of a child carries its
 * role and slot, so series of different processes stay apart.
 */
export class MasterMetrics {
  readonly registry: Registry;
  readonly #restarts: Counter;
  readonly #reloads: Counter;
  readonly #guards: Counter;
  readonly #table: ProcessTable;
  readonly #router: Router;

  constructor(table: ProcessTable, router: Router) {
    this.#table = table;
    this.#router = router;
    const { Registry, Counter, Gauge, collectDefaultMetrics } = promClient();
    this.registry = new Registry();
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, labels: { role: 'master', slot: '0' } });
    this.#restarts = new Counter({
      name: 'brood_restarts_total',
      help: 'Agent and worker processes forked again after a crash, by role',
      labelNames: ['role'],
      registers,
    });
    this.#reloads = new Counter({ name: 'brood_reloads_total', help: 'Reloads by outcome', labelNames: ['outcome'], registers });
    this.#guards = new Counter({
      name: 'brood_guard_replacements_total',
      help: 'Processes replaced by maxMemory or maxEventLoopBlock, by role and reason',
      labelNames: ['role', 'reason'],
      registers,
    });
    // Series at 0 from the start: a rate() over a counter that appears only at its first increment misses that one.
    for (const role of ['agent', 'worker']) this.#restarts.inc({ role }, 0);
    for (const outcome of ['ok', 'failed']) this.#reloads.inc({ outcome }, 0);
    new Gauge({
      name: 'brood_processes',
      help: 'Agent and worker processes by role and state',
      labelNames: ['role', 'state'],
      registers,
      collect() {
        this.reset();
        for (const proc of table.all()) this.inc({ role: proc.role, state: proc.state });
      },
    });
  }

  restarted(role: 'agent' | 'worker'): void {
    this.#restarts.inc({ role });
  }

  reloaded(ok: boolean): void {
    this.#reloads.inc({ outcome: ok ? 'ok' : 'failed' });
  }

  guarded(role: 'agent' | 'worker', reason: GuardReason): void {
    this.#guards.inc({ role, reason });
  }

  /** Every process's metrics in Prometheus' text format. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    const asked = this.#table.ready().map((proc) => this.#router.call(proc.pid, 'metrics:collect', null, COLLECT_TIMEOUT_MS));
    const answers = await Promise.allSettled(asked);
    const all: MetricSnapshot[][] = [(await this.registry.getMetricsAsJSON()) as unknown as MetricSnapshot[]];
    for (const answer of answers) if (answer.status === 'fulfilled') all.push(answer.value);
    for (const metrics of all) {
      // prom-client omits process_start_time_seconds across a cluster; with a role and slot on each series it is kept.
      for (const metric of metrics) if (metric.aggregator === 'omit') metric.aggregator = 'max';
    }
    const merged = promClient().AggregatorRegistry.aggregate(all);
    return { contentType: merged.contentType, body: await merged.metrics() };
  }
}
