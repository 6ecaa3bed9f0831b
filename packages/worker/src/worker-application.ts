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

  constructor(init: ApplicationInit) {
    super(init);
    this.koa = new Koa();
    this.router = new Router();
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
