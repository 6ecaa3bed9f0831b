export { SupervisedProcess } from './child-process.js';
export { sendControl } from './control/client.js';
export { processMetrics } from './control/metrics.js';
export { DEFAULT_TITLE, isValidTitle, type RunPaths, runPaths } from './control/paths.js';
export {
  CONTROL_VERSION,
  type ControlCommand,
  type ControlRequest,
  type ControlResponse,
  type ProcessStatus,
  type StatusResult,
} from './control/protocol.js';
export { isListening, type PidFile, readPidFile } from './control/server.js';
export { MasterErrors } from './errors.js';
export { Master, type MasterState, type ReloadResult, type StartedInfo } from './master.js';
export { envFromNodeEnv, type MasterOptions, type ResolvedOptions, resolveOptions, type SchedulingPolicy } from './options.js';
export { handleSignals, STOP_SIGNALS } from './signals.js';
