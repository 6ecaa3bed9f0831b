export { type BusHandler, type BusMessage, type BusOptions, type BusTarget, ClusterBus } from './bus.js';
export { claimFire, type FireDecision } from './claim-fire.js';
export type { Claim, ClaimRecord, Coordinator, CoordinatorEvents, InstanceRecord } from './coordinator.js';
export { claimTtl, FireClock, type FireSchedule, nextFireTime } from './fire-times.js';
export { Leader, type LeaderEvents, type LeaderOptions, type LostReason } from './leader.js';
export type { ClusterLog } from './log.js';
export { type ClusterStatus, openCoordinator, readClusterStatus } from './open.js';
export { RedisCoordinator, type RedisCoordinatorOptions } from './redis/redis-coordinator.js';
export { InstanceRegistry, newInstanceId, type RegistryOptions } from './registry.js';
export {
  type ClusterOptions,
  type ClusterSettings,
  DEFAULT_INSTANCE_TTL_MS,
  DEFAULT_LEASE_TTL_MS,
  parseClusterSettings,
  parseRedisUrl,
  REDIS_URL_ENV,
  type RedisEndpoint,
  redactUrl,
} from './settings.js';
