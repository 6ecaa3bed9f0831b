import { type ApplicationInit, BaseApplication } from '@brood/core';
import { messageOf } from '@brood/errors';
import Router from '@koa/router';
import Koa from 'koa';
import type { ControllerTree } from './load-controllers.js';
import type { ServiceClass } from './load-services.js';
import type { AppServer } from './server-kinds.js';

/**
 * The key under which a request's context holds its WorkerApplication:
 * `ctx.app` is koa's own application, so services reach Brood's through this.
 * A registered symbol, so every copy of Brood's code agrees on it.
 */
export const APPLICATION = Symbol.for('brood.application');

/**
 * One of the router's route methods (`get`, `post`, …): `(path, ...middleware)` or `(name, path, ...middleware)`.
 */
export type RouteMethod = Router['get'];

/**
 * The application object of a worker: a koa application with its router,
 * controllers and services, plus config, logger and messenger. `app.ts`
 * and `app/router.ts` receive it.
 */
export class WorkerApplication extends BaseApplication {
  readonly role = 'worker' as const;
  /** The koa application serving HTTP. */
  readonly koa: Koa;
  /** The @koa/router every route is declared on. */
  readonly router: Router;
  /** `app/controller/**` by name: `app.controller.admin.user.list`. */
  controller: ControllerTree = {};
  /** `app/service/**`: each class by its dotted name (`admin.user`), as `ctx.service` makes them. */
  serviceClasses: ReadonlyMap<string, ServiceClass> = new Map();
  /** The HTTP, HTTPS or HTTP/2 server, once the worker serves. */
  server: AppServer | undefined;
  /**
   * Egg's shortcuts to the router's methods: `app.get('/', handler)` is `app.router.get('/', handler)`.
   * (`options` is not among them: sdk-base's `app.options` holds that name.)
   */
  readonly get: RouteMethod;
  readonly post: RouteMethod;
  readonly put: RouteMethod;
  readonly patch: RouteMethod;
  readonly delete: RouteMethod;
  readonly del: RouteMethod;
  readonly head: RouteMethod;
  readonly all: RouteMethod;
  readonly redirect: Router['redirect'];

  constructor(init: ApplicationInit) {
    super(init);
    this.koa = new Koa();
    this.router = new Router();
    const router = this.router;
    this.get = router.get.bind(router);
    this.post = router.post.bind(router);
    this.put = router.put.bind(router);
    this.patch = router.patch.bind(router);
    this.delete = router.delete.bind(router);
    this.del = router.del.bind(router);
    this.head = router.head.bind(router);
    this.all = router.all.bind(router);
    this.redirect = router.redirect.bind(router);
    Object.defineProperty(this.koa.context, APPLICATION, { value: this });
    // `ctx.app` is koa's own application; `ctx.application` is Brood's, with config, messenger and logger.
    Object.defineProperty(this.koa.context, 'application', { value: this, enumerable: false });
    this.koa.on('error', (error: unknown) => this.logger.error({ err: error }, `request failed: ${messageOf(error)}`));
  }

  /** Adds a koa middleware. */
  use(middleware: Koa.Middleware): this {
    this.koa.use(middleware);
    return this;
  }
}
