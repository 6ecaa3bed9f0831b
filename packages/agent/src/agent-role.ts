import { type ChildRole, loadTasks } from '@brood/core';
import { type AgentReadyMessage, envelope } from '@brood/messenger';
import { AgentApplication } from './agent-application.js';
import { Scheduler } from './scheduler.js';

/** The agent's part of the child runtime: the scheduler; no HTTP. */
export const agentRole: ChildRole<AgentApplication, undefined> = {
  role: 'agent',
  bootFile: 'agent',
  create: (init) => new AgentApplication(init),

  async load(agent) {
    const tasks = await loadTasks(agent.baseDir, agent.processOptions.buildDir, agent.env);
    const scheduler = new Scheduler({
      tasks,
      messenger: agent.messenger,
      logger: agent.logger,
      agentContext: (task) => ({ app: agent, logger: agent.logger.child({ task: task.name }) }),
    });
    agent.scheduler = scheduler;
    agent.messenger.handle('task:list', () => scheduler.list());
    agent.messenger.handle('task:run', ({ name }) => scheduler.run(name, 'manual'));
    // The master stops the clock, and waits for this answer, before it closes any worker.
    agent.messenger.handle('schedule:stop', () => {
      scheduler.stop();
      return true;
    });
    // Ticks start once every worker serves and stop as soon as the app begins to stop.
    agent.on('app-ready', () => scheduler.start());
    agent.on('app-stopping', () => scheduler.stop());
  },

  serve: async () => undefined,
  readyMessage: () => envelope<AgentReadyMessage>({ type: 'agent:ready' }),

  async stopServing(agent) {
    agent.scheduler?.stop();
  },
};
