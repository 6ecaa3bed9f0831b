import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { type Logger, loadTasks, TaskRuns } from '@brood/core';
import { broodError, ERR, messageOf } from '@brood/errors';
import { monotonicMs } from '@brood/messenger';
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

/** The task runs of one worker: what is running, and whether it still takes new ones. */
export class TaskRunner {
  readonly #runs = new TaskRuns();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /**
   * Runs `work` unless the worker is closing: a closing worker refuses new
   * runs with `ERR_BROOD_WORKER_CLOSING`, and the agent sends them elsewhere.
   */
  run<T>(name: string, work: () => Promise<T>): Promise<T> {
    if (this.#runs.closed) {
      return Promise.reject(broodError(ERR.WORKER_CLOSING, `worker ${process.pid} is closing and takes no task (${name})`));
    }
    const running = work();
    this.#runs.track(name, running);
    return running;
  }

  /** Refuses new runs and resolves when the runs under way have ended, or after `timeout` ms, naming those cut off. */
  drain(timeout: number): Promise<void> {
    return this.#runs.drain(timeout, this.#logger, 'worker');
  }
}

/**
 * Loads `app/schedule/**` in a worker and answers the agent's
 * `task:run-here` call: run that task once, here (`ctx.claim` set for a
 * cluster task's run), and reply when it is done,
 * or reject with its error, stack included, for the agent to count. A
 * failure is logged here too, where the worker's pid and id are on the line.
 */
export async function installTaskRunner(app: WorkerApplication): Promise<TaskRunner> {
  const tasks = await loadTasks(app.baseDir, app.processOptions.buildDir, app.env);
  const runner = new TaskRunner(app.logger);
  app.messenger.handle('task:run-here', ({ name, args, claim }) => {
    const task = tasks.get(name);
    if (task === undefined) throw broodError(ERR.TASK_UNKNOWN, `worker ${process.pid} has no task ${name}`);
    return runner.run(name, async () => {
      const started = monotonicMs();
      try {
        const ctx = anonymousContext(app, `/__task/${task.name}`);
        // A cluster task's run: the claim it runs under, with its fencing token.
        if (claim !== undefined) Object.defineProperty(ctx, 'claim', { value: claim, enumerable: true });
        await task.run(ctx, args);
      } catch (error) {
        const ms = Math.round(monotonicMs() - started);
        app.logger.error({ task: name, ms, err: error }, `task ${name} failed in this worker after ${ms} ms: ${messageOf(error)}`);
        throw error;
      }
      return { ms: monotonicMs() - started, pid: process.pid };
    });
  });
  return runner;
}
