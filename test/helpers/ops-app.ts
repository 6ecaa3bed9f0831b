/**
 * A small app for the operations tests (probes, metrics, guards, status),
 * written to a temporary folder with the `brood` settings a test gives in
 * its package.json, and `brood` linked so that `brood/metrics` loads.
 */
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cluster.js';
import { tempApp } from './temp-app.js';

const ROUTER = `
import type { Application, Router } from 'brood';
import { Counter } from 'brood/metrics';

const kept: Buffer[] = [];

export default (router: Router, app: Application) => {
  const orders = new Counter({ name: 'shop_orders_total', help: 'Orders taken', registers: [app.metrics] });
  router.get('/', (ctx) => {
    ctx.body = { pid: process.pid };
  });
  router.get('/users/:id', (ctx) => {
    ctx.body = { pid: process.pid, id: ctx.params.id };
  });
  router.post('/orders', (ctx) => {
    orders.inc();
    ctx.status = 201;
    ctx.body = { pid: process.pid };
  });
  router.get('/agent', async (ctx) => {
    ctx.body = await app.messenger.request('agent', 'ops:hello' as never, null as never);
  });
  router.get('/agent-leak', async (ctx) => {
    ctx.body = await app.messenger.request('agent', 'ops:leak' as never, Number(ctx.query.mb ?? 200) as never);
  });
  router.get('/slow', async (ctx) => {
    const ms = Number(ctx.query.ms ?? 2000);
    app.logger.info({ event: 'test:slow-started', ms }, 'slow request started');
    await new Promise((resolve) => setTimeout(resolve, ms));
    ctx.body = { pid: process.pid, slept: ms };
  });
  // Allocates and keeps: a leak the memory guard must catch.
  router.get('/leak', (ctx) => {
    const mb = Number(ctx.query.mb ?? 200);
    for (let i = 0; i < mb; i++) kept.push(Buffer.alloc(1 << 20, 1));
    app.logger.info({ event: 'test:leaked', mb }, 'leaked');
    ctx.body = { pid: process.pid, kept: kept.length };
  });
  // Spins for ever: the event-loop guard must catch it.
  router.get('/spin', () => {
    app.logger.info({ event: 'test:spinning' }, 'spinning');
    for (;;) {}
  });
  // Keeps a CPU busy for a while, then answers.
  router.get('/burn', (ctx) => {
    const until = Date.now() + Number(ctx.query.ms ?? 1000);
    while (Date.now() < until) {}
    ctx.body = { pid: process.pid };
  });
  router.get('/crash', (ctx) => {
    ctx.body = { pid: process.pid };
    setTimeout(() => process.exit(1), 20);
  });
  // The app's own /readyz: a probe on the app port must never reach it.
  router.get('/readyz', (ctx) => {
    ctx.body = 'the app';
  });
};
`;

const APP = `
import cluster from 'node:cluster';
import type { Application } from 'brood';

export default (app: Application) => ({
  async willReady() {
    const delay = Number(process.env.TEST_SLOW_WORKER_MS ?? 0);
    // The second worker boots slowly when asked: the first one listens while the app is not ready yet.
    if (delay > 0 && cluster.worker?.id === 2) await new Promise((resolve) => setTimeout(resolve, delay));
  },
  beforeClose() {
    app.logger.info({ event: 'test:before-close' }, 'worker before close');
  },
});
`;

const AGENT = `
import type { Agent } from 'brood';

const kept: Buffer[] = [];

export default (agent: Agent) => {
  agent.messenger.on('ops:hello' as never, () => ({ agent: process.pid }) as never);
  agent.messenger.on('ops:leak' as never, ((mb: number) => {
    for (let i = 0; i < mb; i++) kept.push(Buffer.alloc(1 << 20, 1));
    return { agent: process.pid };
  }) as never);
};
`;

const TASK = `
export default {
  schedule: { interval: 100, type: 'worker' },
  async task() {},
};
`;

/** Writes the app with these `brood` settings and returns its folder. */
export function opsApp(brood: Record<string, unknown> = {}, options: { task?: boolean } = {}): string {
  const dir = tempApp({
    'package.json': JSON.stringify({ name: 'ops-app', private: true, type: 'module', brood }),
    'app/router.ts': ROUTER,
    'app.ts': APP,
    'agent.ts': AGENT,
    ...(options.task ? { 'app/schedule/tick.ts': TASK } : {}),
  });
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(join(ROOT, 'packages/brood'), join(dir, 'node_modules', 'brood'), 'dir');
  return dir;
}
