import { type ChildRole, loadTasks } from '@brood/core';
import { AgentApplication } from './agent-application.js';
import { Scheduler } from './scheduler.js';

/** The agent's part of the child runtime: the scheduler; no HTTP. */
export const agentRole: ChildRole<AgentApplication> = {
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
    agent.messenger.on('brood:task-list', () => scheduler.list());
    agent.messenger.on('brood:task-run-now', (data) => scheduler.run((data as { name: string }).name, 'manual'));
    // The master stops the clock, and waits for this answer, before it closes any worker.
    agent.messenger.on('brood:schedule-stop', () => {
      scheduler.stop();
      return true;
    });
    // Ticks start once every worker serves and stop as soon as the app begins to stop.
    agent.on('app-ready', () => scheduler.start());
    agent.on('app-stopping', () => scheduler.stop());
  },

  serve: async () => undefined,

  async stopServing(agent) {
    agent.scheduler?.stop();
  },
};
