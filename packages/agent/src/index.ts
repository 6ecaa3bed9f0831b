export { AgentApplication } from './agent-application.js';
export { agentRole } from './agent-role.js';
export { type Outcome, type RunResult, Scheduler, type TaskStats } from './scheduler.js';
