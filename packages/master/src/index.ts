export { clusterAsked } from './cluster-link.js';
export { sendControl } from './control/client.js';
export { answerControl, type CommandTable, controlCommands } from './control/commands.js';
export { processMetrics } from './control/metrics.js';
export { checkTitle, DEFAULT_TITLE, type RunPaths, runPaths } from './control/paths.js';
export {
  type ClusterStatusResult,
  CONTROL_VERSION,
  type ControlArgs,
  type ControlCommand,
  type ControlCommands,
  type ControlRequest,
  type ControlResponse,
  type ControlResult,
  type HelloResult,
  type ProcessStatus,
  type StatusResult,
  type StopResult,
} from './control/protocol.js';
export { alreadyRunning, isListening, type PidFile, readPidFile } from './control/server.js';
export { checkFolder, checkPidFile, checkSocketFile, checkSocketPath, wrongMaster } from './control/trust.js';
export { canWrite, type FolderOptions, type Folders, makePrivateDir, outputDir, privateAppDir } from './folders.js';
export { agentExecArgv, inspectPort, usesInspector, workerExecArgv } from './inspect.js';
export { Master, type MasterSetup, stopBudget } from './master.js';
export type { MasterState } from './master-state.js';
export type { HealthOptions, OperationsOptions } from './ops/ops-options.js';
export {
  appFolders,
  type DaemonOutput,
  envFromNodeEnv,
  type MasterOptions,
  type ResolvedOptions,
  resolveOptions,
  type SchedulingPolicy,
} from './options.js';
export { checkPort } from './port-check.js';
export type { Entries } from './process-factory.js';
export type { ProcessTable } from './process-table.js';
export type { ReloadOptions, ReloadResult } from './reload.js';
export { handleSignals, STOP_SIGNALS } from './signals.js';
export type { StartedInfo } from './started.js';
export { SupervisedProcess } from './supervised-process.js';
