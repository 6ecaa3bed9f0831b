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

/** What `brood run-task` and the scheduler's log report of one run. */
export interface RunResult {
  name: string;
  outcome: Outcome;
  ms: number;
  error?: { code: string; message: string };
}

/** A task's figures, as `brood status` shows them. */
export interface TaskStats {
  name: string;
  type: TaskType;
  schedule: string;
  enabled: boolean;
  runs: number;
  failures: number;
  skips: number;
  running: boolean;
  lastRun: { at: string; ms: number; outcome: Outcome; error?: string } | null;
  nextRun: string | null;
}

/** Every call, with what it takes and what it answers. */
export interface Calls {
  /** Master → agent: every task's figures, for `brood status`. */
  'task:list': { args: null; result: TaskStats[] };
  /** Master → agent: run a task now (`brood run-task`), wherever its type says. */
  'task:run': { args: { name: string }; result: RunResult };
  /** Agent → worker: run this task here, once, and answer when it is done. */
  'task:run-here': { args: { name: string }; result: { ms: number; pid: number } };
  /** Master → agent: stop the clock; answered once no tick can fire any more. */
  'schedule:stop': { args: null; result: true };
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
export const CALL_METHODS: ReadonlySet<string> = new Set<CallMethod>(['task:list', 'task:run', 'task:run-here', 'schedule:stop']);
