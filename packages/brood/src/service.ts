import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { AppConfig, Application, BroodConfig } from './types.js';

/**
 * The base class of `app/service/*.ts`. One instance per request, created
 * the first time `ctx.service.<name>` is read:
 *
 * ```ts
 * export default class UserService extends Service {
 *   async find(id: number) {
 *     this.logger.info({ id }, 'finding user');
 *     return { id, name: this.config.defaultName };
 *   }
 * }
 * ```
 */
export class Service {
  /** The request's koa context. */
  readonly ctx: Context;
  /** The worker application. */
  readonly app: Application;

  constructor(ctx: Context) {
    this.ctx = ctx;
    this.app = ctx.application;
  }

  /** The app's config. */
  get config(): BroodConfig & AppConfig {
    return this.app.config;
  }

  /** The request's logger (with its request id, method and path). */
  get logger(): Logger {
    return (this.ctx as unknown as { logger?: Logger }).logger ?? this.app.logger;
  }
}
