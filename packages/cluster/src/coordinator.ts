/**
 * The coordination Brood needs from a shared engine, and nothing more:
 * connection state, an instance registry with expiry, a lease, claims with
 * fencing tokens, and publish/subscribe. Redis is the one implementation
 * ({@link RedisCoordinator}); another engine implements this interface and
 * the registry, leader and bus work on it unchanged.
 *
 * Every method rejects with a `BroodError`: `ERR_BROOD_CLUSTER_UNREACHABLE`
 * while the engine cannot be reached or does not answer in time (the call
 * fails fast, it is not queued), `ERR_BROOD_CLUSTER_CLOSED` after close.
 * Channel and lease names are logical (`bus:all`); the implementation puts
 * the app's prefix and name before them.
 */
export interface Coordinator {
  /** Where the engine is, for logs: the URL with its password masked. */
  readonly where: string;
  /** True while the engine answers: both connections are up. */
  readonly connected: boolean;

  /** Connects; rejects with `ERR_BROOD_CLUSTER_UNREACHABLE` naming {@link where} when it cannot. */
  connect(): Promise<void>;
  /**
   * Connects in the background and keeps trying until {@link close}: calls
   * fail fast meanwhile, and `up` is emitted once it answers. For a process
   * that must not wait for the engine to boot (the agent).
   */
  connectInBackground(): void;
  /** Closes every connection; pending calls reject with `ERR_BROOD_CLUSTER_CLOSED`. */
  close(): Promise<void>;
  /** `down` when a connection is lost (it reconnects on its own), `up` when it answers again. */
  on<K extends keyof CoordinatorEvents>(event: K, listener: (...args: CoordinatorEvents[K]) => void): this;
  off<K extends keyof CoordinatorEvents>(event: K, listener: (...args: CoordinatorEvents[K]) => void): this;

  /** Writes an instance's record, live for `ttlMs` unless written again. */
  putInstance(record: InstanceRecord, ttlMs: number): Promise<void>;
  /** Removes an instance's record at once (graceful stop). */
  removeInstance(id: string): Promise<void>;
  /** Every instance whose record has not expired. */
  listInstances(): Promise<InstanceRecord[]>;
  /** Whether an instance's record is live. */
  hasInstance(id: string): Promise<boolean>;

  /** Takes lease `name` for `owner` when free (or already its own), for `ttlMs`; resolves with the new term, or `null` when another holds it. */
  acquireLease(name: string, owner: string, ttlMs: number): Promise<number | null>;
  /** Extends the lease for `ttlMs` if `owner` still holds it; false when it does not. */
  renewLease(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Frees the lease if `owner` holds it and tells the `lease:<name>:released` channel; false when it did not hold it. */
  releaseLease(name: string, owner: string): Promise<boolean>;
  /** Who holds the lease now, or `null`. */
  leaseHolder(name: string): Promise<string | null>;

  /**
   * Claims the fire of `task` at `fireTime` (ms since the epoch) for
   * `instance`. Exactly one claimant gets a {@link Claim}; the others, and
   * any claim of a fire not later than the last one claimed, get `null`.
   * The claim of a fire is kept `ttlMs`.
   */
  claim(task: string, fireTime: number, ttlMs: number, instance: string): Promise<Claim | null>;
  /** A claim for a run that is not a scheduled fire (`brood run-task`): always granted, with a new token. */
  claimRun(task: string, instance: string): Promise<Claim>;
  /** The last claim of each task that has one. */
  lastClaims(): Promise<ClaimRecord[]>;

  /** Sends a message to every subscriber of `channel`; resolves with how many got it. */
  publish(channel: string, message: string): Promise<number>;
  /** Listens to `channel`; resolves with a function that stops listening. */
  subscribe(channel: string, listener: (message: string) => void): Promise<() => Promise<void>>;
  /** How many connections listen to `channel` now. */
  subscribers(channel: string): Promise<number>;
}

/** Events of a {@link Coordinator}. */
export interface CoordinatorEvents {
  down: [error: Error];
  up: [];
}

/** One instance of the app (one master and its agent and workers), as the registry lists it. */
export interface InstanceRecord {
  /** Unique per start: `<host>-<pid>-<random>`. */
  id: string;
  host: string;
  pid: number;
  title: string;
  /** Where its HTTP server listens, `http://10.0.0.5:7001`. */
  url: string;
  workers: number;
  /** The app's version (package.json `version`). */
  version: string;
  /** ISO time the instance started. */
  startedAt: string;
  /** ISO time of its last heartbeat (its own clock). */
  seenAt?: string;
}

/** A granted claim: run the fire, and hand `token` to any store that refuses stale writers. */
export interface Claim {
  task: string;
  /** The fire time claimed, ms since the epoch; `null` for a {@link Coordinator.claimRun}. */
  fireTime: number | null;
  /** The fencing token: greater than every token handed out before it for this task. */
  token: number;
  instance: string;
}

/** The last claim of a task, for `brood status`. */
export interface ClaimRecord extends Claim {
  /** When it was claimed, ms since the epoch by the engine's clock. */
  at: number;
}
