/**
 * Brood's own calls between its processes: typed requests that travel as
 * `call` envelopes, apart from the application's actions (as Node marks its
 * cluster messages with `cmd: 'NODE_CLUSTER'`). A user's `messenger.on()`
 * never sees one, and no action name can reach one; the compiler checks
 * every argument and result from the CLI to the worker.
 */

/** How one task run ended. */
export type Outcome = 'ok' | 'failed' | 'skipped';

/** Where a task runs. */
export type TaskType = 'worker' | 'all' | 'agent';

/** How many instances run a task: each its own (`host`), or one per fire across the cluster (`cluster`). */
export type TaskScope = 'host' | 'cluster';

/**
 * What a run of a cluster task holds: the claim that let this instance run
 * it. `token` is the fencing token, greater than every token handed out
 * before it for the task: a store that remembers the last token it saw can
 * refuse a stale writer.
 */
export interface TaskClaim {
  token: number;
  /** The fire time claimed, ms since the epoch; `null` for a run asked with `brood run-task`. */
  fireTime: number | null;
  /** The instance that claimed it. */
  instance: string;
}

/** What `brood run-task` and the scheduler's log report of one run. */
export interface RunResult {
  name: string;
  outcome: Outcome;
  ms: number;
  /** Why a failed run failed; `stack` is where the task threw, in whichever process ran it. */
  error?: { code: string; message: string; stack?: string };
  /** The claim a cluster task ran under. */
  claim?: TaskClaim;
}

/** A task's figures, as `brood status` shows them. */
export interface TaskStats {
  name: string;
  type: TaskType;
  scope: TaskScope;
  schedule: string;
  enabled: boolean;
  runs: number;
  failures: number;
  skips: number;
  running: boolean;
  lastRun: { at: string; ms: number; outcome: Outcome; error?: string } | null;
  nextRun: string | null;
}

/**
 * One metric as prom-client's `registry.getMetricsAsJSON()` gives it; the
 * master aggregates these with `AggregatorRegistry.aggregate()`.
 */
export interface MetricSnapshot {
  name: string;
  help: string;
  type: string;
  aggregator: string;
  values: unknown[];
}

/** Every call, with what it takes and what it answers. */
export interface Calls {
  /** Master → agent: every task's figures, for `brood status`. */
  'task:list': { args: null; result: TaskStats[] };
  /**
   * Master, agent or worker → agent: run a task now (`brood run-task`,
   * `app.runTask`), wherever its type says; `args` is the task's second
   * parameter.
   */
  'task:run': { args: { name: string; args?: unknown }; result: RunResult };
  /**
   * Agent → worker: run this task here, once, with `args`, and answer when
   * it is done; a cluster task's run carries its claim.
   */
  'task:run-here': { args: { name: string; args?: unknown; claim?: TaskClaim }; result: { ms: number; pid: number } };
  /** Master → agent: stop the clock; answered once no tick can fire any more. */
  'schedule:stop': { args: null; result: true };
  /** Agent or worker → agent: send to every agent and worker of every instance (this one over IPC, the others through Redis). */
  'cluster:broadcast': { args: { action: string; data: unknown }; result: true };
  /** Agent or worker → agent: send to the agent that leads the application (this one when it leads). */
  'cluster:send-leader': { args: { action: string; data: unknown }; result: true };
  /** Agent or worker → agent: request the leading agent, answered with its handler's reply within `timeout` ms. */
  'cluster:request-leader': { args: { action: string; data: unknown; timeout: number }; result: unknown };
  /** Master → agent or worker: this process's metrics (`metrics` on), labelled with its role and slot. */
  'metrics:collect': { args: null; result: MetricSnapshot[] };
  /**
   * Master → worker, in a cluster brood/testing started: replace a method of a
   * service with the function whose source is `source`, until `mock:restore`.
   */
  'mock:service': { args: { name: string; method: string; source: string }; result: true };
  /** Master → worker, in a cluster brood/testing started: undo every mock; answers how many there were. */
  'mock:restore': { args: null; result: number };
}

/** The name of a call. */
export type CallMethod = keyof Calls;
/** What call `M` takes. */
export type CallArgs<M extends CallMethod> = Calls[M]['args'];
/** What call `M` answers. */
export type CallResult<M extends CallMethod> = Calls[M]['result'];
/** Answers one call in the process that receives it. */
export type CallHandler<M extends CallMethod> = (args: CallArgs<M>) => CallResult<M> | Promise<CallResult<M>>;

/** Every method, for validating what arrives on a channel. */
export const CALL_METHODS: ReadonlySet<string> = new Set<CallMethod>([
  'task:list',
  'task:run',
  'task:run-here',
  'schedule:stop',
  'cluster:broadcast',
  'cluster:send-leader',
  'cluster:request-leader',
  'metrics:collect',
  'mock:service',
  'mock:restore',
]);
