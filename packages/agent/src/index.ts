export { AgentApplication } from './agent-application.js';
export { agentRole } from './agent-role.js';
export { AgentLeader, type LeaderEvents, type LostReason } from './leader.js';
export { type Outcome, type RunResult, Scheduler, type TaskStats } from './scheduler.js';
