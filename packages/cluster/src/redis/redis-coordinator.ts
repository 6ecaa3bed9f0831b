import { EventEmitter } from 'node:events';
import { byCodeUnits, withTimeout } from '@brood/core';
import { broodError, ERR, messageOf } from '@brood/errors';
import { Redis, type RedisOptions } from 'ioredis';
import type { Claim, ClaimRecord, Coordinator, CoordinatorEvents, InstanceRecord } from '../coordinator.js';
import { type ClusterLog, silentLog } from '../log.js';
import type { ClusterSettings } from '../settings.js';
import { RedisKeys } from './keys.js';
import * as scripts from './scripts.js';

/** Options of {@link RedisCoordinator}. */
export interface RedisCoordinatorOptions {
  settings: Pick<ClusterSettings, 'where' | 'endpoint' | 'prefix' | 'name'>;
  /**
   * A command without a reply after this many ms fails (default 2000). It
   * bounds every call while Redis stalls (`CLIENT PAUSE`, a lost network):
   * a claim then fails and its fire is skipped, it never waits for Redis to
   * come back. Keep it well under a third of the lease TTL.
   */
  commandTimeout?: number;
  /** How long `connect()` tries before it fails (default 5000 ms). */
  connectTimeout?: number;
  /** Shown by `CLIENT LIST` on the Redis side, to tell Brood's connections apart. */
  clientName?: string;
  log?: ClusterLog;
}

/** The instances set outlives any record; a day without any instance lets it go. */
const INSTANCES_SET_TTL_MS = 86_400_000;

/**
 * The {@link Coordinator} on one Redis server (or a managed Redis behind one
 * endpoint), through ioredis, over two connections: one for commands, one
 * subscribed to channels. Commands are never queued while a connection is
 * down: they fail at once with `ERR_BROOD_CLUSTER_UNREACHABLE`, and ioredis
 * reconnects on its own (every 100 ms growing to 1 s) until {@link close}.
 */
export class RedisCoordinator extends EventEmitter<CoordinatorEvents> implements Coordinator {
  readonly where: string;
  readonly #keys: RedisKeys;
  readonly #log: ClusterLog;
  readonly #connectTimeout: number;
  readonly #db: number;
  readonly #command: Redis;
  readonly #subscriber: Redis;
  readonly #listeners = new Map<string, Set<(message: string) => void>>();
  #up = false;
  #wasUp = false;
  #closed = false;
  #lastError: Error | undefined;

  constructor(options: RedisCoordinatorOptions) {
    super();
    const { settings } = options;
    this.where = settings.where;
    this.#keys = new RedisKeys(settings.prefix, settings.name, settings.endpoint.db);
    this.#db = settings.endpoint.db;
    this.#log = options.log ?? silentLog;
    this.#connectTimeout = options.connectTimeout ?? 5000;
    const { endpoint } = settings;
    // Without replyMapping: its type is optional-with-undefined in RedisOptions, exact in the constructor's.
    const base: Omit<RedisOptions, 'replyMapping'> = {
      host: endpoint.host,
      port: endpoint.port,
      db: endpoint.db,
      lazyConnect: true,
      connectTimeout: this.#connectTimeout,
      commandTimeout: options.commandTimeout ?? 2000,
      // A lost connection is retried every 100 ms, growing to 1 s: a restarted Redis is found within a second.
      retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
      // Commands sent just before a connection dropped fail rather than being sent again after
      // the reconnect: a claim that was given up must not be executed later.
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      // RESP2: the protocol every Redis speaks, and the subscriber connection's long-standing path.
      protocol: 2,
      disableClientInfo: true,
      keepAlive: 10_000,
    };
    if (endpoint.username !== undefined) base.username = endpoint.username;
    if (endpoint.password !== undefined) base.password = endpoint.password;
    if (endpoint.tls !== undefined) base.tls = endpoint.tls;
    const name = options.clientName;
    this.#command = new Redis({ ...base, enableOfflineQueue: false, ...(name === undefined ? {} : { connectionName: name }) });
    // The subscriber queues its SUBSCRIBE commands while down; ioredis subscribes again on reconnect.
    this.#subscriber = new Redis({ ...base, enableOfflineQueue: true, ...(name === undefined ? {} : { connectionName: `${name}:sub` }) });
    for (const connection of [this.#command, this.#subscriber]) {
      connection.on('error', (error: Error) => {
        this.#lastError = error;
        this.#log.debug({ err: error, redis: this.where }, `redis connection error: ${error.message}`);
      });
      connection.on('close', () => this.#down());
      connection.on('ready', () => void this.#maybeUp());
    }
    this.#subscriber.on('message', (channel: string, message: string) => {
      for (const listener of this.#listeners.get(channel) ?? []) {
        try {
          listener(message);
        } catch (error) {
          this.#log.error({ err: error, channel }, `a listener of ${channel} threw: ${messageOf(error)}`);
        }
      }
    });
  }

  get connected(): boolean {
    return this.#up;
  }

  async connect(): Promise<void> {
    if (this.#closed) throw this.#closedError();
    try {
      await withTimeout(
        Promise.all([this.#command.connect(), this.#subscriber.connect()]),
        this.#connectTimeout,
        () => new Error(`no answer within ${this.#connectTimeout} ms`),
      );
    } catch (error) {
      const cause = this.#lastError ?? error;
      this.#command.disconnect();
      this.#subscriber.disconnect();
      throw broodError(ERR.CLUSTER_UNREACHABLE, `Redis at ${this.where} is unreachable: ${messageOf(cause)}`, cause);
    }
    await this.#checkDatabase();
    await this.#maybeUp();
  }

  /**
   * ioredis selects the URL's database as it connects, and a SELECT that
   * fails (a database the server does not have) only reaches its error
   * listener: the connection would go on in database 0, among another
   * app's keys. Asked again here, a refusal stops the start.
   */
  async #checkDatabase(): Promise<void> {
    if (this.#db === 0) return;
    try {
      await this.#command.select(this.#db);
    } catch (error) {
      this.#command.disconnect();
      this.#subscriber.disconnect();
      throw broodError(ERR.CLUSTER_BAD_URL, `Redis at ${this.where} has no database ${this.#db}: ${messageOf(error)}`, error);
    }
  }

  connectInBackground(): void {
    if (this.#closed) return;
    // A first attempt that fails is retried by ioredis's retryStrategy, as after a lost connection.
    for (const connection of [this.#command, this.#subscriber]) connection.connect().catch(() => {});
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    const wasUp = this.#up;
    this.#up = false;
    // QUIT lets Redis drop the subscriptions at once; disconnect() when it cannot answer.
    await Promise.all(
      [this.#command, this.#subscriber].map(async (connection) => {
        if (wasUp && connection.status === 'ready') {
          try {
            await connection.quit();
            return;
          } catch {
            // fall through
          }
        }
        connection.disconnect();
      }),
    );
  }

  #down(): void {
    if (!this.#up) return;
    this.#up = false;
    const error = this.#lastError ?? new Error('connection closed');
    if (!this.#closed) {
      this.#log.warn({ redis: this.where, err: error }, `lost the connection to Redis at ${this.where}: ${error.message}; reconnecting`);
      this.emit('down', error);
    }
  }

  async #maybeUp(): Promise<void> {
    if (this.#up || this.#closed || this.#command.status !== 'ready' || this.#subscriber.status !== 'ready') return;
    try {
      // Sent after the SUBSCRIBEs ioredis sends again on reconnect: once it answers, they are in place.
      await this.#subscriber.ping();
    } catch {
      return;
    }
    if (this.#up || this.#closed || this.#command.status !== 'ready' || this.#subscriber.status !== 'ready') return;
    const again = this.#wasUp;
    this.#up = true;
    this.#wasUp = true;
    if (again) this.#log.info({ redis: this.where }, `connected to Redis at ${this.where} again`);
    this.emit('up');
  }

  #closedError(): Error {
    return broodError(ERR.CLUSTER_CLOSED, `the cluster coordinator for ${this.where} is closed`);
  }

  /** Runs one call; any failure becomes `ERR_BROOD_CLUSTER_UNREACHABLE` naming the call and the cause. */
  async #call<T>(what: string, run: () => Promise<T>): Promise<T> {
    if (this.#closed) throw this.#closedError();
    try {
      return await run();
    } catch (error) {
      if (this.#closed) throw this.#closedError();
      // While reconnecting, ioredis says only that its stream is not writeable: name the cause of the drop instead.
      const cause =
        this.#command.status === 'ready' ? messageOf(error) : `not connected (${this.#lastError?.message ?? this.#command.status})`;
      throw broodError(ERR.CLUSTER_UNREACHABLE, `Redis at ${this.where} failed to ${what}: ${cause}`, error);
    }
  }

  async #script(script: scripts.Script, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await this.#command.evalsha(script.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!messageOf(error).startsWith('NOSCRIPT')) throw error;
      return await this.#command.eval(script.lua, keys.length, ...keys, ...args);
    }
  }

  async putInstance(record: InstanceRecord, ttlMs: number): Promise<void> {
    await this.#call(`register instance ${record.id}`, () =>
      this.#script(
        scripts.PUT_INSTANCE,
        [this.#keys.instance(record.id), this.#keys.instances],
        [JSON.stringify(record), Math.round(ttlMs), record.id, INSTANCES_SET_TTL_MS],
      ),
    );
  }

  async removeInstance(id: string): Promise<void> {
    await this.#call(`remove instance ${id}`, () =>
      this.#script(scripts.REMOVE_INSTANCE, [this.#keys.instance(id), this.#keys.instances], [id]),
    );
  }

  async listInstances(): Promise<InstanceRecord[]> {
    const raw = await this.#call('list instances', () =>
      this.#script(scripts.LIST_INSTANCES, [this.#keys.instances], [this.#keys.instance('')]),
    );
    const records: InstanceRecord[] = [];
    for (const json of Array.isArray(raw) ? raw : []) {
      try {
        records.push(JSON.parse(String(json)) as InstanceRecord);
      } catch {
        this.#log.warn({ record: String(json).slice(0, 200) }, 'skipped an instance record that is not JSON');
      }
    }
    return records.sort((a, b) => byCodeUnits(a.startedAt, b.startedAt) || byCodeUnits(a.id, b.id));
  }

  async hasInstance(id: string): Promise<boolean> {
    return (await this.#call(`look up instance ${id}`, () => this.#command.exists(this.#keys.instance(id)))) === 1;
  }

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<number | null> {
    const term = await this.#call(`acquire lease ${name}`, () =>
      this.#script(scripts.ACQUIRE, [this.#keys.lease(name), this.#keys.term(name)], [owner, Math.round(ttlMs)]),
    );
    return term === null ? null : Number(term);
  }

  async renewLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return (
      (await this.#call(`renew lease ${name}`, () => this.#script(scripts.RENEW, [this.#keys.lease(name)], [owner, Math.round(ttlMs)]))) ===
      1
    );
  }

  async releaseLease(name: string, owner: string): Promise<boolean> {
    const released = await this.#call(`release lease ${name}`, () =>
      this.#script(scripts.RELEASE, [this.#keys.lease(name)], [owner, this.#keys.channel(`lease:${name}:released`)]),
    );
    return released === 1;
  }

  async leaseHolder(name: string): Promise<string | null> {
    return await this.#call(`read lease ${name}`, () => this.#command.get(this.#keys.lease(name)));
  }

  async claim(task: string, fireTime: number, ttlMs: number, instance: string): Promise<Claim | null> {
    const token = await this.#call(`claim ${task} at ${new Date(fireTime).toISOString()}`, () =>
      this.#script(
        scripts.CLAIM,
        [this.#keys.fire(task, fireTime), this.#keys.fence(task), this.#keys.claims, this.#keys.fired],
        [instance, Math.round(ttlMs), task, Math.round(fireTime)],
      ),
    );
    return token === null ? null : { task, fireTime, token: Number(token), instance };
  }

  async claimRun(task: string, instance: string): Promise<Claim> {
    const token = await this.#call(`claim a run of ${task}`, () =>
      this.#script(scripts.CLAIM_RUN, [this.#keys.fence(task), this.#keys.claims], [instance, task]),
    );
    return { task, fireTime: null, token: Number(token), instance };
  }

  async lastClaims(): Promise<ClaimRecord[]> {
    const all = await this.#call('read the last claims', () => this.#command.hgetall(this.#keys.claims));
    const records: ClaimRecord[] = [];
    for (const [task, value] of Object.entries(all)) {
      const match = /^(\d+)\|(-|\d+)\|(\d+)\|(.*)$/s.exec(value);
      if (match === null) continue;
      records.push({
        task,
        token: Number(match[1]),
        fireTime: match[2] === '-' ? null : Number(match[2]),
        at: Number(match[3]),
        instance: match[4] as string,
      });
    }
    return records.sort((a, b) => byCodeUnits(a.task, b.task));
  }

  async publish(channel: string, message: string): Promise<number> {
    return await this.#call(`publish on ${channel}`, () => this.#command.publish(this.#keys.channel(channel), message));
  }

  async subscribe(channel: string, listener: (message: string) => void): Promise<() => Promise<void>> {
    if (this.#closed) throw this.#closedError();
    const full = this.#keys.channel(channel);
    let listeners = this.#listeners.get(full);
    if (listeners === undefined) {
      listeners = new Set();
      this.#listeners.set(full, listeners);
    }
    const first = listeners.size === 0;
    listeners.add(listener);
    if (first) {
      try {
        await this.#call(`subscribe to ${channel}`, () => this.#subscriber.subscribe(full));
      } catch (error) {
        listeners.delete(listener);
        if (listeners.size === 0) this.#listeners.delete(full);
        throw error;
      }
    }
    return async () => {
      const current = this.#listeners.get(full);
      if (current === undefined || !current.delete(listener) || current.size > 0) return;
      this.#listeners.delete(full);
      if (this.#closed) return;
      // Not awaited: while the connection is down it is queued and sent after the re-subscribe.
      this.#subscriber.unsubscribe(full).catch(() => {});
    };
  }

  async subscribers(channel: string): Promise<number> {
    const reply = await this.#call(`count subscribers of ${channel}`, () => this.#command.pubsub('NUMSUB', this.#keys.channel(channel)));
    return Number((reply as unknown[])[1] ?? 0);
  }
}
