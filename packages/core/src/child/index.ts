export { ORPHAN_CLOSE_BUDGET_MS } from './process-events.js';
export type { ChildRole } from './role.js';
export { runChild } from './run-child.js';
