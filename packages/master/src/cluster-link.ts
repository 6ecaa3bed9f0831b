import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { ClusterSettings, Coordinator, InstanceRegistry } from '@brood/cluster';
import { type ClusterProcessOptions, importPackage, type Logger } from '@brood/core';
import type { ClusterStatusResult } from './control/protocol.js';
import type { ResolvedOptions } from './options.js';

/** The variable that turns cluster mode on (see @brood/cluster's settings). */
const REDIS_URL_ENV = 'BROOD_REDIS_URL';

/**
 * True when the options or the environment ask for cluster mode. Only then
 * is `@brood/cluster` (and ioredis, ~60 ms to load) imported: without it the
 * master's start-up and memory are those of a single-host app.
 */
export function clusterAsked(option: ResolvedOptions['cluster'], env: NodeJS.ProcessEnv): boolean {
  if (option === false) return false;
  return option !== undefined || (env[REDIS_URL_ENV] ?? '') !== '';
}

/** The app's package name (the default cluster name) and version (shown per instance). */
function readPackage(baseDir: string): { name?: string; version?: string } {
  try {
    return JSON.parse(readFileSync(join(baseDir, 'package.json'), 'utf8')) as { name?: string; version?: string };
  } catch {
    // resolveOptions has refused a package.json that does not parse; a missing one has no name.
    return {};
  }
}

/** What the master does with cluster mode, whether it is on or off. */
export interface ClusterPart {
  /** What the agent is told: the instance id and the settings; undefined when off. */
  processOptions(): ClusterProcessOptions | undefined;
  /** The URL and worker count, once the app serves. */
  update(changes: { url: string; workers: number }): void;
  /** Every live instance, the leader, and which instance ran each cluster task's last fire; or why cluster mode is off. */
  status(): Promise<ClusterStatusResult>;
  /** Removes this instance from the registry and closes the connection; never rejects. */
  close(): Promise<void>;
}

/** Cluster mode off: nothing to register, and `brood status --cluster` says why. */
function off(reason: string): ClusterPart {
  return {
    processOptions: () => undefined,
    update: () => {},
    status: async () => ({ enabled: false, reason }),
    close: async () => {},
  };
}

/**
 * The master's part of cluster mode: its connection to Redis and this
 * instance's record in the registry, with heartbeat and TTL, from before
 * the agent is forked until after it has closed. The agent opens its own
 * connection for the leader lease, claims and the bus, with the instance
 * id and settings this link hands it.
 */
export class ClusterLink implements ClusterPart {
  readonly instance: string;
  readonly settings: ClusterSettings;
  readonly #coordinator: Coordinator;
  readonly #registry: InstanceRegistry;
  readonly #readStatus: typeof import('@brood/cluster').readClusterStatus;

  private constructor(
    settings: ClusterSettings,
    coordinator: Coordinator,
    registry: InstanceRegistry,
    readStatus: typeof import('@brood/cluster').readClusterStatus,
  ) {
    this.settings = settings;
    this.instance = registry.id;
    this.#coordinator = coordinator;
    this.#registry = registry;
    this.#readStatus = readStatus;
  }

  /**
   * Validates the cluster settings, connects and registers this instance.
   * Resolves with a part that does nothing when cluster mode is off, or when
   * Redis is unreachable and `cluster.required` is false (logged in one line).
   * Rejects with a one-line `ERR_BROOD_CLUSTER_*` error otherwise: a bad
   * setting, or Redis unreachable (the URL named, its password masked).
   */
  static async open(options: ResolvedOptions, logger: Logger): Promise<ClusterPart> {
    if (!clusterAsked(options.cluster, process.env)) return off(`cluster mode is off: neither ${REDIS_URL_ENV} nor brood.cluster is set`);
    const cluster = await importPackage<typeof import('@brood/cluster')>('@brood/cluster', import.meta.url);
    const pkg = readPackage(options.baseDir);
    const settings = cluster.parseClusterSettings(options.cluster, { packageName: pkg.name, env: process.env });
    if (settings === undefined) return off(`cluster mode is off: neither ${REDIS_URL_ENV} nor cluster.url names a Redis`);
    const id = cluster.newInstanceId();
    const coordinator = await cluster.openCoordinator(settings, { log: logger, clientName: `brood:${settings.name}:${id}:master` });
    if (coordinator === undefined)
      return off(`cluster features are off: Redis at ${settings.where} was unreachable at start (cluster.required is false)`);
    const registry = new cluster.InstanceRegistry({
      coordinator,
      instance: {
        id,
        host: hostname(),
        pid: process.pid,
        title: options.title,
        url: '',
        workers: options.workers,
        version: pkg.version ?? '',
        startedAt: new Date().toISOString(),
      },
      ttl: settings.instanceTtl,
      log: logger,
    });
    try {
      await registry.start();
    } catch (error) {
      await coordinator.close();
      throw error;
    }
    logger.info({ instance: id, cluster: settings.name }, `registered as instance ${id} of ${settings.name}`);
    return new ClusterLink(settings, coordinator, registry, cluster.readClusterStatus);
  }

  processOptions(): ClusterProcessOptions {
    return { instance: this.instance, settings: { ...this.settings } };
  }

  update(changes: { url: string; workers: number }): void {
    this.#registry.update(changes);
  }

  async status(): Promise<ClusterStatusResult> {
    const status = await this.#readStatus(this.#coordinator, this.settings.name);
    return { enabled: true, instance: this.instance, redis: this.settings.where, ...status };
  }

  async close(): Promise<void> {
    await this.#registry.stop();
    await this.#coordinator.close();
  }
}
