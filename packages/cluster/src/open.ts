import { messageOf } from '@brood/errors';
import type { ClaimRecord, Coordinator, InstanceRecord } from './coordinator.js';
import { type ClusterLog, silentLog } from './log.js';
import { RedisCoordinator, type RedisCoordinatorOptions } from './redis/redis-coordinator.js';
import type { ClusterSettings } from './settings.js';

/**
 * Connects the coordinator for `settings`. When Redis cannot be reached:
 * with `required` (the default) it rejects with the one-line
 * `ERR_BROOD_CLUSTER_UNREACHABLE` error naming the URL, so the start fails;
 * with `required: false` it logs that cluster features are off and
 * resolves with `undefined`.
 */
export async function openCoordinator(
  settings: ClusterSettings,
  options: Omit<RedisCoordinatorOptions, 'settings'> & { log?: ClusterLog } = {},
): Promise<Coordinator | undefined> {
  const log = options.log ?? silentLog;
  const coordinator = new RedisCoordinator({ ...options, settings });
  try {
    await coordinator.connect();
  } catch (error) {
    await coordinator.close();
    if (settings.required) throw error;
    log.warn({ err: error, redis: settings.where }, `cluster features are off: ${messageOf(error)} (cluster.required is false)`);
    return undefined;
  }
  log.info({ redis: settings.where, cluster: settings.name }, `cluster mode on: ${settings.name} at ${settings.where}`);
  return coordinator;
}

/** What `brood status --cluster` shows. */
export interface ClusterStatus {
  name: string;
  /** The instance id holding the leader lease, or `null`. */
  leader: string | null;
  instances: (InstanceRecord & { leader: boolean })[];
  /** The last claim of each cluster task: which instance ran its last fire, with which token. */
  tasks: ClaimRecord[];
}

/** Reads the registry, the leader lease and the last claims in one go. */
export async function readClusterStatus(coordinator: Coordinator, name: string, leaseName = 'leader'): Promise<ClusterStatus> {
  const [instances, leader, tasks] = await Promise.all([
    coordinator.listInstances(),
    coordinator.leaseHolder(leaseName),
    coordinator.lastClaims(),
  ]);
  return { name, leader, instances: instances.map((instance) => ({ ...instance, leader: instance.id === leader })), tasks };
}
