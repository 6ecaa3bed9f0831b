import { ERR } from '@brood/errors';
import { type RunResult, toWireError } from '@brood/messenger';
import type { ReloadOptions, ReloadResult } from '../reload.js';
import {
  type ClusterStatusResult,
  CONTROL_VERSION,
  type ControlArgs,
  type ControlCommand,
  type ControlRequest,
  type ControlResponse,
  type ControlResult,
  parseRequest,
  type StatusResult,
  type StopResult,
} from './protocol.js';

/** What the control commands need of the master. */
export interface Commanded {
  readonly settings: { title: string; baseDir: string };
  status(): Promise<StatusResult>;
  stop(reason: string): Promise<void>;
  /** ms a stop may take at the most, the kill of what is left included. */
  stopBudget(): number;
  reload(reason: string, options?: ReloadOptions): Promise<ReloadResult>;
  runTask(name: string, timeout: number | null, args?: unknown): Promise<RunResult>;
  clusterStatus(): Promise<ClusterStatusResult>;
}

/** Runs one command. */
export type CommandTable = { [C in ControlCommand]: (args: ControlArgs<C>) => Promise<ControlResult<C>> };

/** What each control command does, one entry per command. */
export function controlCommands(master: Commanded): CommandTable {
  return {
    hello: async () => ({ pid: process.pid, title: master.settings.title, baseDir: master.settings.baseDir }),
    status: () => master.status(),
    async stop(): Promise<StopResult> {
      const status = await master.status();
      // Answer first; the stop closes the socket when it is done.
      setImmediate(() => void master.stop('brood stop'));
      return { status, within: master.stopBudget() };
    },
    reload: ({ workers }) =>
      master.reload(workers === true ? 'brood reload --workers' : 'brood reload', workers === true ? { only: 'workers' } : {}),
    'run-task': ({ name, timeout, args }) => master.runTask(name, timeout ?? null, args),
    'cluster-status': () => master.clusterStatus(),
  };
}

/**
 * Answers one request line with `commands`: the result, the command's
 * error, or `ERR_BROOD_BAD_CONTROL_REQUEST` for a line that is not a
 * request. Never throws. The control socket answers each line with it, and
 * so does the master brood/testing starts, over its IPC channel.
 */
export async function answerControl(
  commands: CommandTable,
  line: string,
  log: (request: ControlRequest) => void = () => {},
): Promise<ControlResponse> {
  const parsed = parseRequest(line);
  if (!parsed.ok) {
    const error = { code: ERR.BAD_CONTROL_REQUEST, message: `bad control request: ${parsed.reason}` };
    return { brood: CONTROL_VERSION, id: parsed.id, ok: false, error };
  }
  const { request } = parsed;
  log(request);
  try {
    // The table is typed per command; parseRequest checked that the arguments fit this one.
    const run = commands[request.command] as (args: unknown) => Promise<ControlResult<ControlCommand>>;
    return { brood: CONTROL_VERSION, id: request.id, ok: true, result: await run(request.args) };
  } catch (error) {
    const wire = toWireError(error);
    return { brood: CONTROL_VERSION, id: request.id, ok: false, error: { code: wire.code, message: wire.message } };
  }
}
