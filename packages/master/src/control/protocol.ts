/**
 * The control protocol between the `brood` CLI and a running master, over
 * the master's Unix socket: one JSON object per line each way. Every
 * command is typed with its arguments and its result, from the master's
 * answer to the CLI's table.
 */
import type { ClusterStatus } from '@brood/cluster';
import type { RunResult, TaskStats } from '@brood/messenger';
import type { ReloadResult } from '../reload.js';

/** The marker and version every control message carries. */
export const CONTROL_VERSION = 1 as const;

/** One process as `brood status` shows it. */
export interface ProcessStatus {
  role: 'master' | 'agent' | 'worker';
  pid: number;
  state: string;
  /** Seconds since the process started. */
  uptime: number;
  /** Times this role (or this worker's slot) was restarted. */
  restarts: number;
  /**
   * Messages the master dropped: for a child, those meant for it that it
   * refused past `maxPendingBytes`; for the master, every message it dropped
   * since it started (refused, undeliverable, malformed, or lost with a
   * process that exited). See docs/messenger.md.
   */
  dropped: number;
  /** Resident memory in bytes. */
  rss: number;
  /** CPU used over the last five seconds (over its life, for a process younger than a heartbeat), in percent of one core. */
  cpu: number;
  /** V8 heap in use and reserved, bytes, from the last heartbeat; null before the first answer. */
  heapUsed: number | null;
  heapTotal: number | null;
  /** ms between the master's last heartbeat ping and the answer: how late the event loop was. null for the master and before the first answer. */
  lag: number | null;
}

/** What `brood status` answers. */
export interface StatusResult {
  title: string;
  baseDir: string;
  url: string | null;
  env: string;
  state: string;
  processes: ProcessStatus[];
  /** Scheduled task figures, when the agent answered in time. */
  tasks?: TaskStats[];
}

/** What `brood stop` is answered before the stop begins. */
export interface StopResult {
  /** The processes about to stop. */
  status: StatusResult;
  /** ms the stop may take at the most, the kill of what is left included: how long the CLI waits. */
  within: number;
}

/** What `hello` answers: who serves this socket. */
export interface HelloResult {
  /** The master's pid, which must be the one its pid file names. */
  pid: number;
  title: string;
  baseDir: string;
}

/**
 * What `brood status --cluster` answers: every live instance of the app,
 * which one leads, and per cluster task which instance ran its last fire;
 * or why cluster mode is off for this instance.
 */
export type ClusterStatusResult =
  | ({ enabled: true /** This instance's id. */; instance: string /** Redis, its password masked. */; redis: string } & ClusterStatus)
  | { enabled: false; reason: string };

/** No arguments. */
export type NoArgs = Record<string, never>;

/** Every command, with what it takes and what it answers. */
export interface ControlCommands {
  /** Asked by the CLI before any other command, to check that the socket is its master's. */
  hello: { args: NoArgs; result: HelloResult };
  status: { args: NoArgs; result: StatusResult };
  stop: { args: NoArgs; result: StopResult };
  /** `workers: true`: the workers alone; the agent keeps running. */
  reload: { args: { workers?: boolean }; result: ReloadResult };
  /** `timeout`: ms to wait for the run; without it, as long as the run lasts. `args`: the task's second parameter. */
  'run-task': { args: { name: string; timeout?: number; args?: unknown }; result: RunResult };
  'cluster-status': { args: NoArgs; result: ClusterStatusResult };
}

/** What the CLI can ask. */
export type ControlCommand = keyof ControlCommands;
export type ControlArgs<C extends ControlCommand> = ControlCommands[C]['args'];
export type ControlResult<C extends ControlCommand> = ControlCommands[C]['result'];

/** CLI → master. */
export interface ControlRequest<C extends ControlCommand = ControlCommand> {
  brood: typeof CONTROL_VERSION;
  id: number;
  command: C;
  args: ControlArgs<C>;
}

/** Master → CLI: the answer to the request with the same id. */
export type ControlResponse<C extends ControlCommand = ControlCommand> =
  | { brood: typeof CONTROL_VERSION; id: number; ok: true; result: ControlResult<C> }
  | { brood: typeof CONTROL_VERSION; id: number | null; ok: false; error: { code: string; message: string } };

const none = (args: Record<string, unknown>): string | undefined =>
  Object.keys(args).length === 0 ? undefined : `takes no arguments, got ${Object.keys(args).join(', ')}`;

/** Why the arguments of each command are wrong, or `undefined` when they are right. */
const ARGS: { [C in ControlCommand]: (args: Record<string, unknown>) => string | undefined } = {
  hello: none,
  status: none,
  stop: none,
  reload: (args) => {
    const extra = Object.keys(args).filter((key) => key !== 'workers');
    if (extra.length > 0) return `reload takes workers only, got ${extra.join(', ')}`;
    return args.workers === undefined || typeof args.workers === 'boolean' ? undefined : 'args.workers must be true or false';
  },
  'run-task': (args) => {
    if (typeof args.name !== 'string' || args.name === '') return 'run-task needs args.name';
    if (args.timeout !== undefined && !(Number.isSafeInteger(args.timeout) && (args.timeout as number) > 0))
      return 'args.timeout must be a positive integer of ms';
    return undefined;
  },
  'cluster-status': none,
};

/** Checks a line received on the control socket; never throws. */
export function parseRequest(line: string): { ok: true; request: ControlRequest } | { ok: false; id: number | null; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, id: null, reason: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, id: null, reason: 'not an object' };
  const request = value as Record<string, unknown>;
  // A safe integer comes back unchanged in the reply: 1e400 would come back as null.
  const id = Number.isSafeInteger(request.id) ? (request.id as number) : null;
  if (request.brood !== CONTROL_VERSION)
    return { ok: false, id, reason: `control version ${String(request.brood)}, expected ${CONTROL_VERSION}` };
  if (id === null) return { ok: false, id, reason: 'id must be an integer' };
  const command = request.command;
  if (typeof command !== 'string' || !Object.hasOwn(ARGS, command)) {
    return { ok: false, id, reason: `unknown command ${JSON.stringify(command)}; known: ${Object.keys(ARGS).join(', ')}` };
  }
  const args = request.args === undefined ? {} : request.args;
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return { ok: false, id, reason: 'args must be an object' };
  const problem = ARGS[command as ControlCommand](args as Record<string, unknown>);
  if (problem !== undefined) return { ok: false, id, reason: problem };
  return { ok: true, request: { brood: CONTROL_VERSION, id, command: command as ControlCommand, args: args as never } };
}
