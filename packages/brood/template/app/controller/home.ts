import type { Context } from 'brood';

/** GET / */
export async function index(ctx: Context) {
  ctx.body = { message: ctx.service.greeting.message(), worker: process.pid };
}

/** GET /visits: the agent counts visits for every worker. */
export async function visits(ctx: Context) {
  ctx.body = await ctx.application.messenger.request('agent', 'visits:count', { path: ctx.path });
}

/** GET /motd: the message of the day the agent's scheduled task pushes to every worker. */
export async function motd(ctx: Context) {
  ctx.body = { motd: ctx.service.greeting.motd() };
}
