import type { ConnectionOptions } from 'node:tls';
import { parseDuration } from '@brood/core';
import { broodError, ERR } from '@brood/errors';

/** The environment variable that switches cluster mode on; it wins over `cluster.url`. */
export const REDIS_URL_ENV = 'BROOD_REDIS_URL';

/** What a user writes: package.json `brood.cluster`, `start({ cluster })`. A string is the URL. */
export interface ClusterOptions {
  /** `redis://[user:password@]host[:port][/db]`, or `rediss://…` for TLS. `BROOD_REDIS_URL` wins over it. */
  url?: string;
  /** The application's name in Redis: instances with the same name are one app. Default: the package name. */
  name?: string;
  /** Put before every key and channel. Default `brood:`. */
  prefix?: string;
  /** When Redis is unreachable at start: `true` (default) refuses to start, `false` starts with cluster features off. */
  required?: boolean;
  /** How long the leader lease lasts without renewal (ms or `'10s'`). Default 10 s; renewed every third of it. */
  leaseTtl?: number | string;
  /** How long an instance stays listed without a heartbeat (ms or `'10s'`). Default 10 s; beats every third of it. */
  instanceTtl?: number | string;
  /** TLS options for `rediss://` (a CA, a client certificate); only from `start({ cluster })`. */
  tls?: ConnectionOptions;
}

/** Where Redis is, parsed from the URL. */
export interface RedisEndpoint {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  /** Set for rediss:// URLs. */
  tls?: ConnectionOptions;
}

/** Cluster settings, validated, with every default applied. */
export interface ClusterSettings {
  /** The URL as given; it may hold a password: show {@link ClusterSettings.where} instead. */
  url: string;
  /** The URL with its password masked, for logs and error messages. */
  where: string;
  endpoint: RedisEndpoint;
  name: string;
  prefix: string;
  required: boolean;
  leaseTtl: number;
  instanceTtl: number;
}

/** Defaults, in ms. A dead leader is replaced within leaseTtl + leaseTtl/3 (≤ 14 s). */
export const DEFAULT_LEASE_TTL_MS = 10_000;
export const DEFAULT_INSTANCE_TTL_MS = 10_000;
export const DEFAULT_PREFIX = 'brood:';
const MIN_TTL_MS = 500;
const MAX_TTL_MS = 10 * 60_000;

const KNOWN = new Set(['url', 'name', 'prefix', 'required', 'leaseTtl', 'instanceTtl', 'tls']);
const URL_SHAPE = 'expected redis://[user:password@]host[:port][/db] or rediss://… for TLS';

/**
 * The URL with any password replaced by `***`, as written (not normalised),
 * also for strings that do not parse. Everything up to the last `@` after
 * `user:` is masked, so an unescaped `/` or `@` in a password is hidden too.
 */
export function redactUrl(url: string): string {
  return url.replace(/^([^/]*\/\/[^/@:]*:).*@/s, '$1***@');
}

function badUrl(source: string, url: string, reason: string): Error {
  return broodError(ERR.CLUSTER_BAD_URL, `${source} ${JSON.stringify(redactUrl(url))} ${reason}; ${URL_SHAPE}`);
}

/** Parses a redis:// or rediss:// URL; `source` names the setting in the error (`BROOD_REDIS_URL`). */
export function parseRedisUrl(url: string, source: string): RedisEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badUrl(source, url, 'is not a URL');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw badUrl(source, url, `uses ${parsed.protocol}//`);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw badUrl(source, url, 'names no host');
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  if (port === 0) throw badUrl(source, url, 'has port 0');
  if (parsed.search !== '' || parsed.hash !== '') throw badUrl(source, url, 'has a query or fragment, which Brood does not read');
  const path = parsed.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,5}$/.test(path)) throw badUrl(source, url, `names database ${JSON.stringify(path)}, not a number`);
  const endpoint: RedisEndpoint = { host, port, db: path === '' ? 0 : Number(path) };
  try {
    if (parsed.username !== '') endpoint.username = decodeURIComponent(parsed.username);
    if (parsed.password !== '') endpoint.password = decodeURIComponent(parsed.password);
  } catch {
    throw badUrl(source, url, 'has a user or password with a bad %-escape');
  }
  if (parsed.protocol === 'rediss:') endpoint.tls = { servername: host };
  return endpoint;
}

function badOption(message: string): Error {
  return broodError(ERR.CLUSTER_BAD_OPTIONS, message);
}

function ttl(value: unknown, key: string, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = parseDuration(value);
  if (ms === undefined || ms < MIN_TTL_MS || ms > MAX_TTL_MS)
    throw badOption(
      `cluster.${key} must be a duration from ${MIN_TTL_MS} ms to ${MAX_TTL_MS / 60_000} minutes (ms or '10s'), got ${JSON.stringify(value)}`,
    );
  return Math.round(ms);
}

/**
 * Validates the cluster settings of an app. Returns `undefined` when
 * cluster mode is off: no URL in `options` nor in `BROOD_REDIS_URL`, or
 * `options` is `false`. `BROOD_REDIS_URL` (when not empty) wins over
 * `options.url`, so a deployment can point the same app at its own Redis.
 * `packageName` is the default cluster name. Throws a one-line
 * `ERR_BROOD_CLUSTER_BAD_URL` or `ERR_BROOD_CLUSTER_BAD_OPTIONS` error.
 */
export function parseClusterSettings(
  options: unknown,
  context: { packageName?: string | undefined; env?: NodeJS.ProcessEnv } = {},
): ClusterSettings | undefined {
  if (options === false) return undefined;
  const given: ClusterOptions =
    options === undefined || options === null ? {} : typeof options === 'string' ? { url: options } : (options as ClusterOptions);
  if (typeof given !== 'object' || Array.isArray(given))
    throw badOption(`cluster must be a Redis URL or an object { url, name, prefix, required }, got ${JSON.stringify(options)}`);
  const unknown = Object.keys(given).filter((key) => !KNOWN.has(key));
  if (unknown.length > 0) throw badOption(`unknown cluster option ${unknown.join(', ')}; known: ${[...KNOWN].join(', ')}`);

  const fromEnv = (context.env ?? process.env)[REDIS_URL_ENV];
  const source = fromEnv !== undefined && fromEnv !== '' ? REDIS_URL_ENV : 'cluster.url';
  const url = source === REDIS_URL_ENV ? fromEnv : given.url;
  if (url === undefined || url === '') return undefined;
  if (typeof url !== 'string') throw badUrl(source, String(url), 'is not a string');
  const endpoint = parseRedisUrl(url, source);
  if (given.tls !== undefined) {
    if (typeof given.tls !== 'object' || given.tls === null) throw badOption('cluster.tls must be an object of TLS options');
    if (endpoint.tls === undefined) throw badOption(`cluster.tls is set but ${source} is not a rediss:// URL`);
    endpoint.tls = { ...endpoint.tls, ...given.tls };
  }

  const name = given.name ?? context.packageName;
  if (name === undefined || name === '')
    throw badOption('cluster.name is needed: the app has no package name to default to; set brood.cluster.name');
  if (typeof name !== 'string' || !/^[\w@/.~-]{1,100}$/.test(name))
    throw badOption(`cluster.name must be 1 to 100 letters, digits or @/._~- (like a package name), got ${JSON.stringify(name)}`);
  const prefix = given.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== 'string' || !/^[^\s\p{Cc}]{0,100}$/u.test(prefix))
    throw badOption(`cluster.prefix must be a string of at most 100 characters without spaces, got ${JSON.stringify(prefix)}`);
  if (given.required !== undefined && typeof given.required !== 'boolean')
    throw badOption(`cluster.required must be true or false, got ${JSON.stringify(given.required)}`);

  return {
    url,
    where: redactUrl(url),
    endpoint,
    name,
    prefix,
    required: given.required ?? true,
    leaseTtl: ttl(given.leaseTtl, 'leaseTtl', DEFAULT_LEASE_TTL_MS),
    instanceTtl: ttl(given.instanceTtl, 'instanceTtl', DEFAULT_INSTANCE_TTL_MS),
  };
}
