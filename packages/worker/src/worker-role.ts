import cluster from 'node:cluster';
import { type ChildRole, importAppStem, inStage, TEST_CLUSTER_ENV, WORKER_SLOT_ENV } from '@brood/core';
import { broodError, codeOf, ERR, isErrorCode, messageOf } from '@brood/errors';
import { envelope, type ListenAddress, type WorkerReadyMessage } from '@brood/messenger';
import { httpMetrics } from './builtin/http-metrics.js';
import { applyProxy, type BuiltinOptions, builtins, type Front, installContextLogger, type ProxyOptions } from './builtin/index.js';
import { chain, probeAnswer } from './builtin/probes.js';
import { GatedServer } from './http-server.js';
import { applyKeys } from './keys.js';
import { loadControllers } from './load-controllers.js';
import { loadWorkerExtensions } from './load-extend.js';
import { loadAppMiddleware } from './load-middleware.js';
import { loadServices } from './load-services.js';
import { preloadAppModules } from './preload.js';
import { installTaskRunner, type TaskRunner } from './run-task.js';
import type { AppListener } from './server-kinds.js';
import { answerMockCalls } from './service-mocks.js';
import { listenOnSharedPort } from './shared-port.js';
import { Watchdog } from './watchdog.js';
import { WorkerApplication } from './worker-application.js';

/** `app/router.ts` exports `(router, app) => void`, or Egg's `(app) => void` (its router is `app.router`). */
type RouterFile = (router: WorkerApplication['router'], app: WorkerApplication) => void | Promise<void>;
type EggRouterFile = (app: WorkerApplication) => void | Promise<void>;

const servers = new WeakMap<WorkerApplication, GatedServer>();

/** The address a worker reports when it does not listen (`listen: false`): its server is reached in process. */
const UNBOUND: ListenAddress = { address: '', port: 0, family: '' };
const taskRunners = new WeakMap<WorkerApplication, TaskRunner>();
const fronts = new WeakMap<WorkerApplication, Front>();

/** Runs `app/router.ts`; an error names the file. */
async function loadRoutes(app: WorkerApplication): Promise<void> {
  const routes = await importAppStem(app.processOptions.buildDir, app.baseDir, 'app/router');
  if (routes === undefined) return;
  const define = routes.module.default;
  if (typeof define !== 'function') {
    throw broodError(ERR.ROUTER_INVALID, `${routes.source} must export default a function (router, app) => void`);
  }
  // One parameter is Egg's form, `(app) => { const { router, controller } = app; … }`; app.get, app.post… are the router's.
  const eggForm = define.length === 1;
  try {
    await inStage(`running ${routes.source}`, async () =>
      eggForm ? (define as EggRouterFile)(app) : (define as RouterFile)(app.router, app),
    );
  } catch (error) {
    // A loader error raised while routes were declared (a controller that is not there) keeps its code.
    const code = codeOf(error);
    const hint =
      eggForm && error instanceof TypeError
        ? ' (a router function of one parameter receives the app, as in Egg: its router is app.router)'
        : '';
    throw broodError(isErrorCode(code) ? code : ERR.ROUTER_INVALID, `${routes.source}: ${messageOf(error)}${hint}`, error);
  }
}

/** The worker's part of the child runtime: the app's code, HTTP, graceful close. */
export const workerRole: ChildRole<WorkerApplication, ListenAddress> = {
  role: 'worker',
  bootFile: 'app',
  waitsForAgent: true,
  preload: preloadAppModules,
  create: (init) => new WorkerApplication(init),

  async load(app) {
    const { baseDir, koa, config } = app;
    const { buildDir } = app.processOptions;
    // app/extend first: everything loaded after may use what it adds.
    await loadWorkerExtensions(app);
    applyKeys(koa, config.keys, { env: app.env, logger: app.logger, first: process.env[WORKER_SLOT_ENV] === '1', baseDir, buildDir });
    // Built-ins first, in this order; the app's own middleware after them, the router last.
    if (app.processOptions.metrics === true) koa.use(httpMetrics(app.metrics));
    applyProxy(koa, config as ProxyOptions);
    installContextLogger(koa, app.logger);
    fronts.set(app, builtins(koa, config as BuiltinOptions, { env: app.env, logger: app.logger }));
    app.controller = await loadControllers(baseDir, buildDir);
    app.serviceClasses = await loadServices(app.koa, baseDir, buildDir);
    if (process.env[TEST_CLUSTER_ENV] === '1') answerMockCalls(app);
    taskRunners.set(app, await installTaskRunner(app));
    for (const { middleware } of await loadAppMiddleware(app)) app.koa.use(middleware);
    await loadRoutes(app);
  },

  async serve(app) {
    const { probes, maxEventLoopBlock } = app.processOptions;
    const watchdog =
      maxEventLoopBlock === undefined
        ? undefined
        : new Watchdog(maxEventLoopBlock, { role: 'worker', pid: process.pid, worker: cluster.worker?.id });
    const early = chain([watchdog?.note, probes === undefined ? undefined : probeAnswer(probes, app.health)]);
    const { sharedPort, port, host, listen, transport } = app.processOptions;
    // HTTP/2's compatibility request and response have what the built-ins and koa use of Node's.
    const gated = new GatedServer((fronts.get(app) as Front).handler(app.router) as AppListener, early, transport);
    servers.set(app, gated);
    app.server = gated.server;
    if (listen === false) return UNBOUND;
    if (sharedPort === true) return listenOnSharedPort(gated);
    return transport?.socket === undefined ? gated.listen(port, host) : gated.listenPath(transport.socket, transport.socketMode);
  },

  readyMessage: (address) => envelope<WorkerReadyMessage>({ type: 'worker:ready', address }),

  open(app) {
    servers.get(app)?.open();
  },

  async stopServing(app, timeout) {
    // Requests and task runs under way both finish: a stop or a reload does not cut a task short.
    await Promise.all([servers.get(app)?.close(timeout), taskRunners.get(app)?.drain(timeout)]);
  },
};
