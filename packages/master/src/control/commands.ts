import type { RunResult } from '@brood/messenger';
import type { ReloadResult } from '../reload.js';
import type { ClusterStatusResult, ControlArgs, ControlCommand, ControlResult, StatusResult, StopResult } from './protocol.js';

/** What the control commands need of the master. */
export interface Commanded {
  readonly settings: { title: string; baseDir: string };
  status(): Promise<StatusResult>;
  stop(reason: string): Promise<void>;
  /** ms a stop may take at the most, the kill of what is left included. */
  stopBudget(): number;
  reload(reason: string): Promise<ReloadResult>;
  runTask(name: string, timeout: number | null): Promise<RunResult>;
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
    reload: () => master.reload('brood reload'),
    'run-task': ({ name, timeout }) => master.runTask(name, timeout ?? null),
    'cluster-status': () => master.clusterStatus(),
  };
}
