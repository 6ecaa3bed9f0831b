import { defineMiddleware } from 'brood';

/** Names the app in every response; switched on by `middleware` in config. */
export default defineMiddleware<{ name: string }>((options) => async (ctx, next) => {
  await next();
  ctx.set('x-powered-by', options.name);
});
