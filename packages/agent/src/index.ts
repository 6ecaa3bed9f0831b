export { AgentApplication } from './agent-application.js';
export { agentRole } from './agent-role.js';
