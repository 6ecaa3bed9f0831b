export { SupervisedProcess } from './child-process.js';
export { MasterErrors } from './errors.js';
export { Master, type MasterState, type ReloadResult, type StartedInfo } from './master.js';
export { envFromNodeEnv, type MasterOptions, type ResolvedOptions, resolveOptions, type SchedulingPolicy } from './options.js';
export { handleSignals, STOP_SIGNALS } from './signals.js';
