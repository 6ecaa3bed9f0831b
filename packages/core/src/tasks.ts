import { type BroodError, broodError, ERR, messageOf } from '@brood/errors';
import type { TaskScope, TaskType } from '@brood/messenger';
import { Cron } from 'croner';
import { scanTree } from './app-tree.js';
import { importAppFile } from './load-module.js';

export type { TaskScope, TaskType };

/** What a task file exports as `schedule`. */
export interface ScheduleOptions {
  /** Every N ms, or `'500ms'`, `'5s'`, `'1m'`, `'2h'`, `'1d'`. */
  interval?: number | string;
  /** A cron expression with seconds: `'0 *\/5 * * * *'`. Five fields are accepted too. */
  cron?: string;
  /** The time zone of `cron`, e.g. `'Europe/Paris'`. Default: the machine's. */
  timezone?: string;
  /** `worker` (default): one ready worker per tick; `all`: every worker; `agent`: the agent itself. */
  type?: TaskType;
  /**
   * `host` (default): every instance of the app runs the task on its own
   * clock. `cluster` (cluster mode): each fire runs on one instance only,
   * claimed through Redis; the run's `ctx.claim` holds its fencing token.
   * Not with `immediate`. See docs/scheduling.md.
   */
  scope?: TaskScope;
  /** Run once right after the app is ready, besides the schedule. */
  immediate?: boolean;
  /** Switch the task off. */
  disable?: boolean;
  /** Run only in these app environments. */
  env?: string[];
  /** Let a tick start while the previous run still goes. Default false: the tick is skipped. */
  overlap?: boolean;
  /** A run longer than this (ms or `'30s'`) is marked failed. */
  timeout?: number | string;
}

/** A task, validated. */
export interface TaskDefinition {
  /** Its path under app/schedule without extension: `cleanup/old-files`. */
  name: string;
  source: string;
  type: TaskType;
  scope: TaskScope;
  /** ms between ticks, for interval tasks. */
  interval?: number;
  cron?: string;
  timezone?: string;
  immediate: boolean;
  /** False when `disable` or `env` switch it off here. */
  enabled: boolean;
  overlap: boolean;
  timeout?: number;
  /** `every 5s` or `cron 0 * * * * * (Europe/Paris)`. */
  describe: string;
  /** The task function: the context of its type, and the arguments of a run asked for by name (undefined for a tick). */
  run: (ctx: unknown, args: unknown) => unknown;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The longest delay Node's timers take (about 24.8 days); a longer one fires after 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647;

const OPTIONS = new Set(['interval', 'cron', 'timezone', 'type', 'scope', 'immediate', 'disable', 'env', 'overlap', 'timeout']);

/** `'5s'` → 5000; a number is ms already; anything else is undefined. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(value);
  if (match === null) return undefined;
  const ms = Number(match[1]) * (UNITS[match[2] as string] as number);
  return ms > 0 ? ms : undefined;
}

function invalid(source: string, reason: string, cause?: unknown): BroodError {
  return broodError(ERR.TASK_INVALID, `${source}: ${reason}`, cause);
}

/** Validates one task file's exports. */
export function defineTask(source: string, name: string, module: Record<string, unknown>, env: string): TaskDefinition {
  const fromDefault = (typeof module.default === 'object' && module.default !== null ? module.default : {}) as Record<string, unknown>;
  const schedule = (module.schedule ?? fromDefault.schedule) as ScheduleOptions | undefined;
  const run = (module.task ?? fromDefault.task) as TaskDefinition['run'] | undefined;
  if (typeof schedule !== 'object' || schedule === null) throw invalid(source, 'export a `schedule` object ({ interval | cron, type, … })');
  if (typeof run !== 'function') throw invalid(source, 'export a `task(ctx)` function');
  const unknown = Object.keys(schedule).filter((key) => !OPTIONS.has(key));
  if (unknown.length > 0) throw invalid(source, `unknown schedule option ${unknown.join(', ')}; known: ${[...OPTIONS].join(', ')}`);
  for (const flag of ['immediate', 'disable', 'overlap'] as const) {
    if (schedule[flag] !== undefined && typeof schedule[flag] !== 'boolean')
      throw invalid(source, `${flag} must be true or false, got ${JSON.stringify(schedule[flag])}`);
  }
  if (schedule.env !== undefined && !(Array.isArray(schedule.env) && schedule.env.every((e) => typeof e === 'string')))
    throw invalid(source, `env must be an array of environment names such as ['prod'], got ${JSON.stringify(schedule.env)}`);
  if (schedule.timezone !== undefined && schedule.cron === undefined) throw invalid(source, 'timezone applies to cron only');
  const type = schedule.type ?? 'worker';
  if (!['worker', 'all', 'agent'].includes(type)) throw invalid(source, `type must be worker, all or agent, got ${JSON.stringify(type)}`);
  const scope = schedule.scope ?? 'host';
  if (scope !== 'host' && scope !== 'cluster') throw invalid(source, `scope must be host or cluster, got ${JSON.stringify(scope)}`);
  // Every instance starts at its own moment: "once at start" has no single meaning across a cluster.
  if (scope === 'cluster' && schedule.immediate === true)
    throw invalid(
      source,
      "immediate cannot be used with scope: 'cluster': instances start at different moments; use brood run-task once instead",
    );
  if (schedule.interval === undefined && schedule.cron === undefined)
    throw invalid(source, 'the schedule needs an interval or a cron expression');
  if (schedule.interval !== undefined && schedule.cron !== undefined)
    throw invalid(source, 'the schedule has both interval and cron; keep one');
  const definition: TaskDefinition = {
    name,
    source,
    type,
    scope,
    immediate: schedule.immediate === true,
    enabled: schedule.disable !== true && (schedule.env === undefined || schedule.env.includes(env)),
    overlap: schedule.overlap === true,
    describe: '',
    run,
  };
  if (schedule.interval !== undefined) {
    const interval = parseDuration(schedule.interval);
    if (interval === undefined)
      throw invalid(source, `interval must be a number of ms or a duration like '5s', got ${JSON.stringify(schedule.interval)}`);
    if (interval > MAX_TIMER_MS)
      throw invalid(
        source,
        `interval must be at most ${MAX_TIMER_MS} ms (about 24 days), got ${JSON.stringify(schedule.interval)}; use cron for rarer tasks`,
      );
    definition.interval = interval;
    definition.describe = `every ${typeof schedule.interval === 'number' ? `${schedule.interval}ms` : schedule.interval}`;
  } else {
    const cron = schedule.cron as string;
    try {
      // Constructed paused only to validate the expression and the time zone.
      new Cron(cron, { paused: true }).stop();
    } catch (error) {
      throw invalid(source, `bad cron expression ${JSON.stringify(cron)}: ${messageOf(error)}`, error);
    }
    if (schedule.timezone !== undefined) {
      try {
        // croner checks the time zone only when it computes a run, in the agent's clock: check it here.
        new Intl.DateTimeFormat('en-US', { timeZone: schedule.timezone });
      } catch (error) {
        throw invalid(source, `bad time zone ${JSON.stringify(schedule.timezone)}: ${messageOf(error)}`, error);
      }
    }
    definition.cron = cron;
    if (schedule.timezone !== undefined) definition.timezone = schedule.timezone;
    definition.describe = `cron ${cron}${schedule.timezone === undefined ? '' : ` (${schedule.timezone})`}`;
  }
  if (schedule.timeout !== undefined) {
    const timeout = parseDuration(schedule.timeout);
    if (timeout === undefined)
      throw invalid(source, `timeout must be a number of ms or a duration like '30s', got ${JSON.stringify(schedule.timeout)}`);
    if (timeout > MAX_TIMER_MS - 1000)
      throw invalid(source, `timeout must be at most ${MAX_TIMER_MS - 1000} ms (about 24 days), got ${JSON.stringify(schedule.timeout)}`);
    definition.timeout = timeout;
  }
  return definition;
}

/** Loads and validates every task under app/schedule. */
export async function loadTasks(baseDir: string, buildDir: string, env: string): Promise<Map<string, TaskDefinition>> {
  const tasks = new Map<string, TaskDefinition>();
  for (const file of scanTree(baseDir, 'app/schedule')) {
    const name = file.source.replace(/^app\/schedule\//, '').replace(/\.(?:ts|mts|js|mjs)$/, '');
    const module = (await importAppFile(buildDir, file.source)) ?? {};
    tasks.set(name, defineTask(file.source, name, module, env));
  }
  return tasks;
}
