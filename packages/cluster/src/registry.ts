import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { messageOf } from '@brood/errors';
import type { Coordinator, InstanceRecord } from './coordinator.js';
import { type ClusterLog, silentLog } from './log.js';
import { DEFAULT_INSTANCE_TTL_MS } from './settings.js';

/** A new instance id, `<host>-<pid>-<6 hex>`: readable in `brood status --cluster`, unique per start. */
export function newInstanceId(host = hostname(), pid = process.pid): string {
  return `${host}-${pid}-${randomBytes(3).toString('hex')}`;
}

/** Options of {@link InstanceRegistry}. */
export interface RegistryOptions {
  coordinator: Coordinator;
  /** This instance's record; `seenAt` is set on every heartbeat. */
  instance: Omit<InstanceRecord, 'seenAt'>;
  /** How long the record stays without a heartbeat (default 10 s); it beats every third of it. */
  ttl?: number;
  log?: ClusterLog;
}

/**
 * This instance's entry in the registry of the app's instances: written at
 * start, written again every ttl/3 (and at once when the connection comes
 * back, so a Redis that lost its data learns of the instance again), and
 * removed on a graceful stop. An instance that stops beating — its host
 * died, it was stopped with SIGSTOP — is gone from {@link list} within the TTL.
 */
export class InstanceRegistry {
  readonly #coordinator: Coordinator;
  readonly #ttl: number;
  readonly #log: ClusterLog;
  #record: Omit<InstanceRecord, 'seenAt'>;
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;
  #failing = false;
  #running = false;
  readonly #onUp = (): void => void this.#beat();

  constructor(options: RegistryOptions) {
    this.#coordinator = options.coordinator;
    this.#record = { ...options.instance };
    this.#ttl = options.ttl ?? DEFAULT_INSTANCE_TTL_MS;
    this.#log = options.log ?? silentLog;
  }

  /** This instance's id. */
  get id(): string {
    return this.#record.id;
  }

  /** Registers the instance; rejects when the first write fails. Then beats until {@link stop}. */
  async start(): Promise<void> {
    if (this.#running) return;
    await this.#coordinator.putInstance(this.#stamped(), this.#ttl);
    this.#running = true;
    this.#coordinator.on('up', this.#onUp);
    this.#timer = setInterval(() => void this.#beat(), Math.max(100, Math.floor(this.#ttl / 3)));
  }

  /** Changes what the record says (the worker count after a scale, the URL once listening); written at once. */
  update(changes: Partial<Pick<InstanceRecord, 'title' | 'url' | 'workers' | 'version'>>): void {
    this.#record = { ...this.#record, ...changes };
    if (this.#running) void this.#beat();
  }

  /** Every live instance of the app, oldest first. */
  list(): Promise<InstanceRecord[]> {
    return this.#coordinator.listInstances();
  }

  /** Stops beating and, unless told otherwise, removes the record at once. Never rejects. */
  async stop(options: { deregister?: boolean } = {}): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    clearInterval(this.#timer);
    this.#coordinator.off('up', this.#onUp);
    await this.#beating;
    if (options.deregister === false) return;
    try {
      await this.#coordinator.removeInstance(this.#record.id);
    } catch (error) {
      this.#log.warn({ err: error }, `could not remove instance ${this.#record.id} from the registry; it expires within ${this.#ttl} ms`);
    }
  }

  #stamped(): InstanceRecord {
    return { ...this.#record, seenAt: new Date().toISOString() };
  }

  async #beat(): Promise<void> {
    if (!this.#running || this.#beating !== undefined) return;
    this.#beating = (async () => {
      try {
        await this.#coordinator.putInstance(this.#stamped(), this.#ttl);
        if (this.#failing) this.#log.info({ instance: this.#record.id }, 'instance heartbeat written again');
        this.#failing = false;
      } catch (error) {
        // Once per outage: a Redis that is down for a minute must not fill the log.
        if (!this.#failing) this.#log.warn({ err: error, instance: this.#record.id }, `instance heartbeat failed: ${messageOf(error)}`);
        this.#failing = true;
      } finally {
        this.#beating = undefined;
      }
    })();
    await this.#beating;
  }
}
