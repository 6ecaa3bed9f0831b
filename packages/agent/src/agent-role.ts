import { applyExtension, type ChildRole, loadExtension, loadTasks } from '@brood/core';
import { messageOf } from '@brood/errors';
import { type AgentReadyMessage, envelope } from '@brood/messenger';
import { AgentApplication } from './agent-application.js';
import { answerClusterCalls } from './cluster-calls.js';
import { openAgentCluster } from './cluster-link.js';
import { Scheduler } from './scheduler.js';
import { taskMetrics } from './task-metrics.js';

/** What a close keeps for `beforeClose` after waiting for the task runs under way. */
const BEFORE_CLOSE_MS = 1000;

/** The agent's part of the child runtime: the scheduler, the leader and cluster mode; no HTTP. */
export const agentRole: ChildRole<AgentApplication, undefined> = {
  role: 'agent',
  bootFile: 'agent',
  create: (init) => new AgentApplication(init),

  async load(agent) {
    // app/extend/agent.ts, as Egg has it: its properties are the agent's from here on.
    const extension = await loadExtension(agent.processOptions.buildDir, agent.baseDir, 'agent');
    if (extension !== undefined) applyExtension(agent, extension, 'the agent');
    const clusterOptions = agent.processOptions.cluster;
    if (clusterOptions !== undefined) {
      agent.cluster = await openAgentCluster(clusterOptions, agent.messenger, agent.logger);
      agent.leader.use(agent.cluster.leader);
    }
    answerClusterCalls(agent.messenger, agent.leader, agent.cluster);
    const tasks = await loadTasks(agent.baseDir, agent.processOptions.buildDir, agent.env);
    const scheduler = new Scheduler({
      tasks,
      messenger: agent.messenger,
      logger: agent.logger,
      agentContext: (task, claim) => ({
        app: agent,
        logger: agent.logger.child({ task: task.name }),
        ...(claim === undefined ? {} : { claim }),
      }),
      claims: agent.cluster,
      ...(agent.processOptions.metrics === true ? { observe: taskMetrics(agent.metrics) } : {}),
    });
    agent.scheduler = scheduler;
    agent.messenger.handle('task:list', () => scheduler.list());
    agent.messenger.handle('task:run', ({ name, args }) => scheduler.run(name, 'manual', { args }));
    // The master stops the clock, and waits for this answer, before it closes any worker.
    agent.messenger.handle('schedule:stop', () => {
      scheduler.stop();
      return true as const;
    });
    // Ticks and the leader start once every worker serves; ticks stop as soon as the app begins to stop.
    // The clock stays still when the master says so: brood/testing runs tasks when asked.
    agent.on('app-ready', () => {
      if (agent.processOptions.schedule !== false) scheduler.start();
      agent.leader.start().catch((error: unknown) => agent.logger.error({ err: error }, `leader: ${messageOf(error)}`));
    });
    agent.on('app-stopping', () => scheduler.stop());
  },

  serve: async () => undefined,
  readyMessage: () => envelope<AgentReadyMessage>({ type: 'agent:ready' }),

  /**
   * The clock stops, and the task runs under way get the close's time to
   * finish, less what `beforeClose` keeps (a quarter, at most a second);
   * each one still going then is logged as cut off. Meanwhile the lead is
   * given up, so that another instance takes it while this one finishes.
   */
  async stopServing(agent, timeout) {
    await Promise.all([
      agent.scheduler?.drain(Math.max(0, timeout - Math.min(BEFORE_CLOSE_MS, Math.floor(timeout / 4)))),
      agent.leader.stop(),
    ]);
  },
};
