import type { BusMessage, ClusterBus, ClusterSettings, Coordinator, Leader } from '@brood/cluster';
import { type ClusterProcessOptions, importPackage, type Logger, type TaskDefinition } from '@brood/core';
import { messageOf } from '@brood/errors';
import type { Messenger, TaskClaim } from '@brood/messenger';

/** A clock of agreed fire times (`@brood/cluster`'s FireClock). */
export interface FireTimer {
  start(): void;
  stop(): void;
  readonly next: number | undefined;
}

/**
 * What a claim of one fire came to: run it under the claim, or not here —
 * another instance has it, Redis could not be asked, or the claim came back
 * only after the task's next fire time (Redis stalled): that fire is not run
 * late, so runs stay in step and never pile up behind a stall.
 */
export type FireOutcome = TaskClaim | 'elsewhere' | 'unreachable' | 'late';

/** What the scheduler needs of cluster mode for `scope: 'cluster'` tasks. */
export interface FireClaims {
  /** A clock that fires at the times every instance agrees on (interval multiples since the epoch, cron). */
  clock(task: TaskDefinition, onFire: (fireTime: number) => void): FireTimer;
  /** Claims one fire; `unreachable` and `late` are logged as a skipped fire. Never rejects. */
  claimFire(task: TaskDefinition, fireTime: number): Promise<FireOutcome>;
  /** A claim for a run outside the schedule (`brood run-task`): always granted, with a new token; rejects while Redis is away. */
  claimRun(task: TaskDefinition): Promise<TaskClaim>;
}

/** The agent's side of cluster mode: its own connection to Redis, the leader lease, the cross-host bus, claims. */
export interface AgentCluster extends FireClaims {
  readonly instance: string;
  readonly leader: Leader;
  readonly bus: ClusterBus;
  /** Closes the bus and the connection (after `beforeClose`). */
  close(): Promise<void>;
}

/**
 * Opens cluster mode in the agent: `@brood/cluster` (and ioredis with it)
 * is loaded here only, so an app without cluster mode never pays for it.
 * The connection is made in the background: the agent boots even while
 * Redis is away, its claims and cross-host calls fail fast meanwhile, and
 * the bus starts listening the moment Redis answers.
 *
 * What arrives from other instances is handed to this host's processes
 * over IPC: a broadcast to the agent and every worker, a message or a
 * request for the leader to this agent's handlers.
 */
export async function openAgentCluster(
  options: ClusterProcessOptions,
  messenger: Messenger<unknown>,
  logger: Logger,
): Promise<AgentCluster> {
  const cluster = await importPackage<typeof import('@brood/cluster')>('@brood/cluster', import.meta.url);
  const settings = withBuffers(options.settings as unknown as ClusterSettings);
  const { instance } = options;
  const coordinator: Coordinator = new cluster.RedisCoordinator({
    settings,
    log: logger,
    clientName: `brood:${settings.name}:${instance}:agent`,
  });
  const leader = new cluster.Leader({ coordinator, id: instance, ttl: settings.leaseTtl, log: logger });
  const deliver = (message: BusMessage): unknown => {
    if (message.kind === 'broadcast') {
      // This instance delivered its own broadcast over IPC already.
      if (message.from !== instance) messenger.broadcast(message.action, message.data);
      return undefined;
    }
    if (message.kind === 'send') {
      messenger.sendToAgent(message.action, message.data);
      return undefined;
    }
    return messenger.request('agent', message.action, message.data, message.timeout === undefined ? {} : { timeout: message.timeout });
  };
  const bus = new cluster.ClusterBus({ coordinator, id: instance, isLeader: () => leader.isLeader, handler: deliver, log: logger });
  const listen = (): void => {
    if (bus.started || !coordinator.connected) return;
    bus
      .start()
      .catch((error: unknown) =>
        logger.warn({ err: error }, `cluster bus: cannot listen yet: ${messageOf(error)}; trying again when Redis answers`),
      );
  };
  coordinator.on('up', listen);
  coordinator.connectInBackground();
  listen();

  return {
    instance,
    leader,
    bus,
    clock: (task, onFire) => new cluster.FireClock(fireSchedule(task), onFire),
    async claimFire(task, fireTime) {
      const schedule = fireSchedule(task);
      const decision = await cluster.claimFire(coordinator, { task: task.name, schedule, fireTime, instance }, logger);
      if (!decision.run) return decision.reason === 'claimed-elsewhere' ? 'elsewhere' : 'unreachable';
      const next = cluster.nextFireTime(schedule, fireTime);
      if (next !== undefined && Date.now() >= next) {
        const at = new Date(fireTime).toISOString();
        logger.warn(
          { task: task.name, fireTime: at, token: decision.claim.token },
          `task ${task.name}: the fire at ${at} is skipped, its claim came back after the next fire time`,
        );
        return 'late';
      }
      return claimOf(decision.claim);
    },
    claimRun: async (task) => claimOf(await coordinator.claimRun(task.name, instance)),
    async close() {
      coordinator.off('up', listen);
      await bus.close();
      await coordinator.close();
    },
  };
}

function fireSchedule(task: TaskDefinition): { interval?: number; cron?: string; timezone?: string } {
  if (task.interval !== undefined) return { interval: task.interval };
  return task.timezone === undefined ? { cron: task.cron as string } : { cron: task.cron as string, timezone: task.timezone };
}

function claimOf(claim: { token: number; fireTime: number | null; instance: string }): TaskClaim {
  return { token: claim.token, fireTime: claim.fireTime, instance: claim.instance };
}

/** TLS material given as Buffers (`start({ cluster: { tls: { ca } } })`) reaches the agent as JSON `{ type: 'Buffer', data }`: made Buffers again. */
function withBuffers(settings: ClusterSettings): ClusterSettings {
  const tls = settings.endpoint.tls as Record<string, unknown> | undefined;
  if (tls === undefined) return settings;
  const revive = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(revive);
    const json = value as { type?: unknown; data?: unknown } | null;
    return typeof json === 'object' && json !== null && json.type === 'Buffer' && Array.isArray(json.data)
      ? Buffer.from(json.data as number[])
      : value;
  };
  const revived = Object.fromEntries(Object.entries(tls).map(([key, value]) => [key, revive(value)]));
  return { ...settings, endpoint: { ...settings.endpoint, tls: revived } };
}
