import { type ChildRole, importAppStem } from '@brood/core';
import { GatedServer } from './http-server.js';
import { WorkerApplication } from './worker-application.js';

/** `app/router.ts` exports `(router, app) => void`. */
type RouterFile = (router: WorkerApplication['router'], app: WorkerApplication) => void | Promise<void>;

const servers = new WeakMap<WorkerApplication, GatedServer>();

/** The worker's part of the child runtime: routes, HTTP, graceful close. */
export const workerRole: ChildRole<WorkerApplication> = {
  role: 'worker',
  bootFile: 'app',
  create: (init) => new WorkerApplication(init),

  async load(app) {
    const routes = await importAppStem(app.processOptions.buildDir, app.baseDir, 'app/router');
    if (routes !== undefined) {
      const define = routes.module.default;
      if (typeof define !== 'function') {
        throw new TypeError(`${routes.source} must export default a function (router, app) => void`);
      }
      await (define as RouterFile)(app.router, app);
    }
  },

  async serve(app) {
    app.koa.use(app.router.routes()).use(app.router.allowedMethods());
    const gated = new GatedServer(app.koa.callback());
    servers.set(app, gated);
    app.server = gated.server;
    return gated.listen(app.processOptions.port, app.processOptions.host);
  },

  open(app) {
    servers.get(app)?.open();
  },

  async stopServing(app, timeout) {
    await servers.get(app)?.close(timeout);
  },
};
