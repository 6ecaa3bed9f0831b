/**
 * A Redis for the cluster tests: the URL in BROOD_TEST_REDIS_URL, or a
 * `redis-server` from PATH started on a free port in a temp folder, with no
 * persistence, and killed when the test ends (or the test process exits).
 * Every test writes under a key prefix of its own and deletes only that.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis as RedisClient } from '../../packages/cluster/node_modules/ioredis/built/index.js';
import { ROOT } from './cluster.js';

/** The one line a cluster test fails with when there is no Redis to test against. */
export const NO_REDIS =
  'the cluster tests need Redis: install redis-server (apt-get install redis-server, brew install redis) or set BROOD_TEST_REDIS_URL=redis://host:port/db to a Redis whose data may be written under brood-test:*';

// ioredis is a dependency of @brood/cluster, not of the workspace root: load it from there.
const { Redis } = createRequire(join(ROOT, 'packages/cluster/package.json'))(
  'ioredis',
) as typeof import('../../packages/cluster/node_modules/ioredis/built/index.js');

const servers = new Set<RedisServer>();
let prefixes = 0;

/** A prefix no other test uses: `brood-test:<pid>-<n>-<random>:`. */
export function uniquePrefix(): string {
  return `brood-test:${process.pid}-${++prefixes}-${Math.random().toString(36).slice(2, 8)}:`;
}

/** A plain ioredis client, for what the tests do behind Brood's back (CLIENT PAUSE, reading keys). */
export function redisClient(url: string): RedisClient {
  return new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1, retryStrategy: () => null });
}

function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** A port nothing listens on now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** A redis-server of the test's own. */
export class RedisServer {
  readonly dir = mkdtempSync(join(tmpdir(), 'brood-redis-'));
  port = 0;
  #child: ChildProcess | undefined;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts it (again, on the same port once it has one) and waits until it accepts connections. */
  async start(): Promise<void> {
    if (this.port !== 0) {
      await this.#spawn();
      return;
    }
    // A free port can be taken between the check and the bind by a parallel test: try another.
    for (let attempt = 1; ; attempt++) {
      this.port = await freePort();
      try {
        await this.#spawn();
        servers.add(this);
        return;
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
  }

  async #spawn(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, '--loglevel', 'notice'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`redis-server on port ${this.port} not ready within 10 s:\n${output}`)), 10_000);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(error);
      };
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
      });
      child.once('exit', (code, signal) => fail(new Error(`redis-server on port ${this.port} exited (${code ?? signal}):\n${output}`)));
      child.once('error', fail);
    });
    child.removeAllListeners('exit');
  }

  /** Kills it at once (SIGKILL): clients see their connections drop. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }

  /** Kills it and removes its folder; safe to call twice. */
  async stop(): Promise<void> {
    await this.kill();
    servers.delete(this);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

process.on('exit', () => {
  for (const server of servers) {
    if (server.pid !== undefined) {
      try {
        process.kill(server.pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    rmSync(server.dir, { recursive: true, force: true });
  }
});

/** A redis-server of the test's own; fails with {@link NO_REDIS} when there is none on PATH. */
export async function ownRedis(): Promise<RedisServer> {
  if (!hasRedisServer()) throw new Error(NO_REDIS);
  const server = new RedisServer();
  await server.start();
  return server;
}

/** The Redis to test against: BROOD_TEST_REDIS_URL, or an own server (stop it with `done`). */
export async function testRedis(): Promise<{ url: string; done: () => Promise<void> }> {
  const url = process.env.BROOD_TEST_REDIS_URL;
  if (url !== undefined && url !== '') return { url, done: async () => {} };
  const server = await ownRedis();
  return { url: server.url, done: () => server.stop() };
}

/** Deletes every key under `prefix` (and only those): what a test wrote to a shared Redis. */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = redisClient(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
