import type { Context } from 'brood';

/** GET /admin/stats: the agent's figures, and which worker answered. */
export async function show(ctx: Context) {
  const stats = await ctx.application.messenger.request('agent', 'todo:stats', undefined);
  ctx.body = { ...stats, answeredBy: process.pid };
}
