import { defineMiddleware } from 'brood';

/** Adds how long the request took, under the header `config.responseTime.header` names. */
export default defineMiddleware<{ header: string }>((options) => async (ctx, next) => {
  const started = performance.now();
  await next();
  ctx.set(options.header, `${(performance.now() - started).toFixed(2)}ms`);
});
