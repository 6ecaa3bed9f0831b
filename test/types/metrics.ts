/**
 * Compiled by `tsc` in test/types.test.ts: the app's own metrics, with the
 * classes of `brood/metrics` on `app.metrics` and `agent.metrics`, and the
 * operator's settings on `start()`.
 */
import { type Agent, type Application, defineAgent, defineRouter, type MasterOptions } from 'brood';
import { Counter, Gauge, Histogram, type Registry } from 'brood/metrics';

export const routes = defineRouter((router, app: Application) => {
  const registry: Registry = app.metrics;
  const orders = new Counter({ name: 'shop_orders_total', help: 'Orders taken', labelNames: ['kind'] as const, registers: [registry] });
  const latency = new Histogram({ name: 'shop_checkout_seconds', help: 'Checkout time', registers: [app.metrics] });
  router.post('/orders', (ctx) => {
    orders.inc({ kind: 'web' });
    latency.observe(0.2);
    // @ts-expect-error: a label the counter does not have
    orders.inc({ colour: 'red' });
    ctx.status = 201;
  });
});

export const agentFile = defineAgent((agent: Agent) => {
  new Gauge({ name: 'shop_queue_length', help: 'Jobs waiting', registers: [agent.metrics] }).set(3);
});

export const options: MasterOptions = {
  health: { liveness: '/live', readiness: false },
  readinessDrainDelay: 5000,
  managementPort: 9464,
  metrics: { path: '/prom' },
  maxMemory: '512MB',
  maxEventLoopBlock: 2000,
};

// @ts-expect-error: metrics is true, false or { path }
export const wrong: MasterOptions = { metrics: '/metrics' };
