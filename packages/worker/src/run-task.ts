import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { BroodError, loadTasks, TaskErrors } from '@brood/core';
import type { WorkerApplication } from './worker-application.js';

/**
 * A koa context that belongs to no HTTP request, for code that runs outside
 * one (scheduled tasks): `ctx.service`, `ctx.logger` and `ctx.application`
 * work as in a request.
 */
export function anonymousContext(app: WorkerApplication, path: string) {
  const req = new IncomingMessage(new Socket());
  req.method = 'GET';
  req.url = path;
  req.headers = { host: '127.0.0.1' };
  return app.koa.createContext(req, new ServerResponse(req));
}

/**
 * Loads `app/schedule/**` in a worker and answers the agent's
 * `brood:task-run`: run that task once, here, and reply when it is done
 * (or reject with its error, stack included, for the agent to log).
 */
export async function installTaskRunner(app: WorkerApplication): Promise<void> {
  const tasks = await loadTasks(app.baseDir, app.processOptions.buildDir, app.env);
  app.messenger.on('brood:task-run', async (data) => {
    const { name } = data as { name: string };
    const task = tasks.get(name);
    if (task === undefined) throw new BroodError(TaskErrors.TASK_UNKNOWN, `worker ${process.pid} has no task ${name}`);
    const started = performance.now();
    await task.run(anonymousContext(app, `/__task/${task.name}`));
    return { ms: performance.now() - started, pid: process.pid };
  });
}
