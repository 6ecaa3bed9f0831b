import { DURATION_BUCKETS, promClient } from '@brood/core';
import { monotonicMs } from '@brood/messenger';
import type Koa from 'koa';
import type { Registry } from 'prom-client';

/** The route pattern @koa/router matched (`/users/:id`), not the raw path: one series per route, not per URL. */
function routeOf(ctx: Koa.Context): string {
  const matched = (ctx as Koa.Context & { _matchedRoute?: string | RegExp })._matchedRoute;
  return matched === undefined ? 'unmatched' : String(matched);
}

/**
 * Counts each response and times it, by method, route pattern and status:
 * `brood_http_requests_total` and `brood_http_request_duration_seconds`.
 * Installed first, only with `metrics` on; it reads the outcome when the
 * response has been written, after the error handler set its status.
 */
export function httpMetrics(registry: Registry): Koa.Middleware {
  const { Counter, Histogram } = promClient();
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'brood_http_requests_total',
    help: 'HTTP responses by method, route pattern and status',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'brood_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route pattern and status',
    labelNames,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  return (ctx, next) => {
    const started = monotonicMs();
    ctx.res.once('finish', () => {
      const labels = { method: ctx.method, route: routeOf(ctx), status: String(ctx.res.statusCode) };
      requests.inc(labels);
      duration.observe(labels, (monotonicMs() - started) / 1000);
    });
    return next();
  };
}
