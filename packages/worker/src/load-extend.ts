import { applyExtension, loadExtension } from '@brood/core';
import type Koa from 'koa';
import type { WorkerApplication } from './worker-application.js';

/**
 * What `ctx.helper` is: made on first use in a request, with the request's
 * context and the application, and the functions of `app/extend/helper.ts`
 * on its prototype, so that `this.ctx` and `this.app` work inside them.
 */
export class Helper {
  /** The request's koa context. */
  readonly ctx: Koa.Context;
  /** The worker application. */
  readonly app: WorkerApplication;

  constructor(ctx: Koa.Context, app: WorkerApplication) {
    this.ctx = ctx;
    this.app = app;
  }
}

/** The names Brood defines on every context, some of them only later in start-up. */
const CONTEXT_NAMES = ['application', 'service', 'logger', 'requestId', 'helper'];

/**
 * Loads `app/extend/{application,context,request,response,helper}.ts` as
 * Egg does: the properties of each default-exported object are added to
 * the application, to koa's context, request and response, and to the
 * class of `ctx.helper`. Runs at the start of the worker's load: the
 * router, controllers, services, middleware and the hooks from `didLoad`
 * on see them.
 */
export async function loadWorkerExtensions(app: WorkerApplication): Promise<void> {
  const { buildDir } = app.processOptions;
  const { koa, baseDir } = app;
  const [application, context, request, response, helper] = await Promise.all(
    (['application', 'context', 'request', 'response', 'helper'] as const).map((target) => loadExtension(buildDir, baseDir, target)),
  );
  if (application !== undefined) applyExtension(app, application, 'the application');
  if (context !== undefined) applyExtension(koa.context, context, 'ctx', CONTEXT_NAMES);
  if (request !== undefined) applyExtension(koa.request, request, 'ctx.request');
  if (response !== undefined) applyExtension(koa.response, response, 'ctx.response');

  // A class of this app's own, so its prototype carries this app's helpers alone.
  class AppHelper extends Helper {}
  if (helper !== undefined) applyExtension(AppHelper.prototype, helper, 'ctx.helper', ['ctx', 'app']);
  const cache = Symbol('brood.helper');
  Object.defineProperty(koa.context, 'helper', {
    configurable: true,
    get(this: Koa.Context & { [cache]?: Helper }) {
      this[cache] ??= new AppHelper(this, app);
      return this[cache];
    },
  });
}
