import type { Context } from 'brood';

export async function index(ctx: Context) {
  ctx.body = await ctx.service.todo.list();
}

export async function create(ctx: Context) {
  const body = ctx.request.body as { title?: unknown } | undefined;
  ctx.status = 201;
  ctx.body = await ctx.service.todo.create(body?.title);
}

export async function show(ctx: Context) {
  ctx.body = await ctx.service.todo.get(Number(ctx.params.id));
}

export async function done(ctx: Context) {
  ctx.body = await ctx.service.todo.done(Number(ctx.params.id));
}
