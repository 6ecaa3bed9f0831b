import { DURATION_BUCKETS, promClient, type TaskDefinition } from '@brood/core';
import type { RunResult } from '@brood/messenger';
import type { Registry } from 'prom-client';

/**
 * The scheduler's metrics, made with `metrics` on: `brood_task_runs_total`
 * by task, type and outcome (ok, failed, skipped) and
 * `brood_task_duration_seconds` by task and outcome, for every run the
 * agent starts (ticks, `immediate`, `brood run-task`).
 */
export function taskMetrics(registry: Registry): (task: TaskDefinition, result: RunResult) => void {
  const { Counter, Histogram } = promClient();
  const runs = new Counter({
    name: 'brood_task_runs_total',
    help: 'Scheduled task runs by task, type and outcome',
    labelNames: ['task', 'type', 'outcome'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'brood_task_duration_seconds',
    help: 'Duration of scheduled task runs by task and outcome',
    labelNames: ['task', 'outcome'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  return (task, result) => {
    runs.inc({ task: task.name, type: task.type, outcome: result.outcome });
    if (result.outcome !== 'skipped') duration.observe({ task: task.name, outcome: result.outcome }, result.ms / 1000);
  };
}
