/**
 * What the cluster-mode tests share: a Redis (see redis.ts), coordinators
 * under a key prefix of the test's own, all closed in teardown, and waits
 * for events that always have a timeout.
 */
import type { EventEmitter } from 'node:events';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Coordinator,
  type InstanceRecord,
  InstanceRegistry,
  parseRedisUrl,
  RedisCoordinator,
  type RedisCoordinatorOptions,
} from '../../packages/cluster/dist/index.js';
import { FIXTURES } from './cluster.js';
import { deleteKeys, testRedis, uniquePrefix } from './redis.js';

/** Resolves with the first emission of `event` on `emitter`; rejects after `timeout` ms naming `what`. */
export function nextEvent<T = unknown>(emitter: EventEmitter, event: string, what: string, timeout = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${timeout} ms waiting for ${what}`));
    }, timeout);
    const listener = (value: T): void => {
      clearTimeout(timer);
      resolve(value);
    };
    emitter.once(event, listener);
  });
}

/** Polls `check` every 20 ms until it is true; rejects after `timeout` ms naming `what`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeout = 10_000): Promise<void> {
  const end = performance.now() + timeout;
  while (!(await check())) {
    if (performance.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** An instance record for tests. */
export function instanceRecord(id: string, extra: Partial<InstanceRecord> = {}): Omit<InstanceRecord, 'seenAt'> {
  return {
    id,
    host: 'test-host',
    pid: process.pid,
    title: id,
    url: 'http://127.0.0.1:0',
    workers: 2,
    version: '1.0.0',
    startedAt: new Date().toISOString(),
    ...extra,
  };
}

/** A test's corner of Redis. */
export interface Space {
  url: string;
  prefix: string;
  name: string;
  /** A new coordinator on the test's prefix (in database `db`, 0 by default), connected; closed in {@link Space.close}. */
  coordinator(options?: Partial<Omit<RedisCoordinatorOptions, 'settings'>>, db?: number): Promise<RedisCoordinator>;
  /** A registry for `id`, started; stopped in {@link Space.close}. */
  register(coordinator: Coordinator, id: string, ttl?: number): Promise<InstanceRegistry>;
  /** Closes everything, deletes the test's keys, stops an own Redis. */
  close(): Promise<void>;
}

/** Opens a test's corner of a Redis: BROOD_TEST_REDIS_URL, or a redis-server of its own. */
export async function openSpace(url?: string): Promise<Space> {
  const redis = url === undefined ? await testRedis() : { url, done: async () => {} };
  const prefix = uniquePrefix();
  const name = 'app';
  const coordinators: RedisCoordinator[] = [];
  const registries: InstanceRegistry[] = [];
  return {
    url: redis.url,
    prefix,
    name,
    async coordinator(options = {}, db = 0) {
      const endpoint = { ...parseRedisUrl(redis.url, 'test'), db };
      const coordinator = new RedisCoordinator({
        commandTimeout: 1000,
        ...options,
        settings: { where: db === 0 ? redis.url : `${redis.url}/${db}`, endpoint, prefix, name },
      });
      coordinators.push(coordinator);
      await coordinator.connect();
      return coordinator;
    },
    async register(coordinator, id, ttl = 2000) {
      const registry = new InstanceRegistry({ coordinator, instance: instanceRecord(id), ttl });
      registries.push(registry);
      await registry.start();
      return registry;
    },
    async close() {
      await Promise.all(registries.map((registry) => registry.stop({ deregister: false })));
      await Promise.all(coordinators.map((coordinator) => coordinator.close()));
      try {
        await deleteKeys(redis.url, prefix);
      } catch {
        // An own Redis that a test killed holds nothing to delete.
      }
      await redis.done();
    },
  };
}

const appCopies: string[] = [];

/**
 * A copy of the cluster fixture app (test/fixtures/apps/cluster) in a folder
 * of its own, with `brood.cluster` set in its package.json: instances of
 * one app on one machine, as they would be on several hosts.
 */
export function clusterApp(cluster: Record<string, unknown> | false): string {
  const dir = mkdtempSync(join(tmpdir(), 'brood-cluster-app-'));
  appCopies.push(dir);
  const source = join(FIXTURES, 'cluster');
  cpSync(source, dir, { recursive: true, filter: (path) => !/\/(\.brood|run|logs|typings|node_modules)$/.test(path) });
  const pkg = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, brood: { cluster } }));
  return dir;
}

/** Removes every copy {@link clusterApp} made. */
export function removeClusterApps(): void {
  for (const dir of appCopies.splice(0)) rmSync(dir, { recursive: true, force: true });
}
