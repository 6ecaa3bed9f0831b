import type { ChildRole } from '@brood/core';
import { AgentApplication } from './agent-application.js';

/** The agent's part of the child runtime: it loads nothing more and serves no HTTP. */
export const agentRole: ChildRole<AgentApplication> = {
  role: 'agent',
  bootFile: 'agent',
  create: (init) => new AgentApplication(init),
  load: async () => {},
  serve: async () => undefined,
};
