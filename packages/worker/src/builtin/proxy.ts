import type Koa from 'koa';

/** Config keys for a proxy in front of the app. */
export interface ProxyOptions {
  /** Trust X-Forwarded-For/-Proto/-Host: `ctx.ip`, `ctx.protocol` and `ctx.host` follow them. Default false. */
  proxy?: boolean;
  /** How many addresses of X-Forwarded-For to trust, from the right; 0 trusts all. Default 0. */
  maxIpsCount?: number;
  /** The header holding the client address. Default `X-Forwarded-For`. */
  proxyIpHeader?: string;
}

/** Sets koa's proxy trust from config: only an app behind a proxy it trusts should believe X-Forwarded-*. */
export function applyProxy(koa: Koa, options: ProxyOptions): void {
  koa.proxy = options.proxy === true;
  if (options.maxIpsCount !== undefined) koa.maxIpsCount = options.maxIpsCount;
  if (options.proxyIpHeader !== undefined) koa.proxyIpHeader = options.proxyIpHeader;
}
