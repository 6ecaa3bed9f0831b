/**
 * The control protocol between the `brood` CLI and a running master, over
 * the master's Unix socket: one JSON object per line each way.
 */

/** The marker and version every control message carries. */
export const CONTROL_VERSION = 1 as const;

/** What the CLI can ask. */
export type ControlCommand = 'status' | 'stop' | 'reload' | 'run-task';

/** CLI → master. */
export interface ControlRequest {
  brood: typeof CONTROL_VERSION;
  id: number;
  command: ControlCommand;
  args?: Record<string, unknown>;
}

/** Master → CLI: the answer to the request with the same id. */
export type ControlResponse =
  | { brood: typeof CONTROL_VERSION; id: number; ok: true; result: unknown }
  | { brood: typeof CONTROL_VERSION; id: number | null; ok: false; error: { code: string; message: string } };

/** One process as `brood status` shows it. */
export interface ProcessStatus {
  role: 'master' | 'agent' | 'worker';
  pid: number;
  state: string;
  /** Seconds since the process started. */
  uptime: number;
  /** Times this role (or this worker's slot) was restarted. */
  restarts: number;
  /** Resident memory in bytes. */
  rss: number;
  /** CPU used over the process's life, in percent of one core. */
  cpu: number;
}

/** What `brood status` answers. */
export interface StatusResult {
  title: string;
  baseDir: string;
  url: string | null;
  env: string;
  state: string;
  processes: ProcessStatus[];
  /** Scheduled task figures, when the agent has a scheduler. */
  tasks?: unknown;
}

const COMMANDS = new Set<string>(['status', 'stop', 'reload', 'run-task']);

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
  if (typeof request.command !== 'string' || !COMMANDS.has(request.command)) {
    return { ok: false, id, reason: `unknown command ${JSON.stringify(request.command)}; known: ${[...COMMANDS].join(', ')}` };
  }
  if (request.args !== undefined && (typeof request.args !== 'object' || request.args === null || Array.isArray(request.args)))
    return { ok: false, id, reason: 'args must be an object' };
  return { ok: true, request: request as unknown as ControlRequest };
}
