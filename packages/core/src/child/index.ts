export type { MasterChannel } from './channel.js';
export type { ChildHost } from './host.js';
export { ORPHAN_CLOSE_BUDGET_MS } from './process-events.js';
export type { ChildRole } from './role.js';
export { hostChild, runChild } from './run-child.js';
export type { ChildRuntime } from './runtime.js';
