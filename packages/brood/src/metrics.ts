/**
 * `brood/metrics`: prom-client, the copy Brood itself uses, for the app's
 * own metrics. Register them on the process's registry, `app.metrics` (or
 * `agent.metrics`); with `metrics` on, the master's endpoint shows them
 * labelled with the role and slot of each process (docs/metrics.md).
 *
 * ```ts
 * import { Counter } from 'brood/metrics';
 * const orders = new Counter({ name: 'shop_orders_total', help: 'Orders taken', registers: [app.metrics] });
 * ```
 */
export { Counter, Gauge, Histogram, type Registry, Summary } from 'prom-client';
