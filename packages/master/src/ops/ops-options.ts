import { broodError, ERR } from '@brood/errors';

/** The health probes: the path of each, or `false` to switch it off. */
export interface HealthOptions {
  /** Liveness: the instance runs and its workers answer. Default `/healthz`. */
  liveness?: string | false;
  /** Readiness: the app serves and is not stopping. Default `/readyz`. */
  readiness?: string | false;
}

/** The operator's settings of probes, metrics and guards (docs/operations.md); part of {@link MasterOptions}. */
export interface OperationsOptions {
  /** Health probe paths, or `false` for none. Default `{ liveness: '/healthz', readiness: '/readyz' }`. */
  health?: HealthOptions | false;
  /** ms between readiness turning 503 at a stop and the workers closing (endpoint propagation). Default 0. */
  readinessDrainDelay?: number;
  /** A port of its own, served by the master, for probes and metrics; 0 picks a free one. Default: none. */
  managementPort?: number;
  /** The address of the management port. Default: `host`, else all interfaces. */
  managementHost?: string;
  /** Prometheus metrics on the management port: `true` for `/metrics`, or `{ path }`. Default false. */
  metrics?: boolean | { path?: string };
  /** Replace a worker (or the agent) whose resident memory goes over this: bytes, or `'512MB'`. Default: no limit. */
  maxMemory?: number | string;
  /** Replace a worker whose event loop has not answered the heartbeat for this many ms. Default: no limit. */
  maxEventLoopBlock?: number;
}

/** Those settings, settled. */
export interface OperationsSettings {
  /** Probe paths; `null` for a probe that is off. */
  health: { liveness: string | null; readiness: string | null };
  readinessDrainDelay: number;
  /** Where the master serves probes and metrics; `null` without a management port. */
  management: { port: number; host: string | undefined } | null;
  /** The metrics path on the management port; `null` when metrics are off. */
  metricsPath: string | null;
  maxMemory: number | null;
  maxEventLoopBlock: number | null;
}

const UNITS: Record<string, number> = { b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

/** Bytes from a number or a size such as `'512MB'`, `'1.5G'`, `'300m'` (units of 1024, as PM2's `max_memory_restart`). */
export function parseBytes(name: string, value: number | string): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value > 0) return value;
  } else {
    const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
    const unit = UNITS[(match?.[2] ?? '').toLowerCase() || 'b'];
    if (match !== null && unit !== undefined && Number(match[1]) > 0) return Math.round(Number(match[1]) * unit);
  }
  throw broodError(ERR.BAD_OPTION, `${name} must be a number of bytes or a size such as '512MB', got ${JSON.stringify(value)}`);
}

function path(name: string, value: string | false | undefined, fallback: string): string | null {
  if (value === false) return null;
  const chosen = value ?? fallback;
  if (typeof chosen !== 'string' || !chosen.startsWith('/') || /[\s?#]/.test(chosen)) {
    throw broodError(ERR.BAD_OPTION, `${name} must be a path such as ${fallback}, or false; got ${JSON.stringify(value)}`);
  }
  return chosen;
}

function wholeMs(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw broodError(ERR.BAD_OPTION, `${name} must be a whole number of ms, at least ${min}; got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Settles the operator's settings; `pick` reads an option from the start options, else package.json `brood`. */
export function resolveOperations(pick: <K extends keyof OperationsOptions>(key: K) => OperationsOptions[K]): OperationsSettings {
  const health = pick('health');
  const probes = health === false ? {} : (health ?? {});
  if (typeof probes !== 'object' || probes === null)
    throw broodError(ERR.BAD_OPTION, `health must be an object or false, got ${JSON.stringify(health)}`);
  const liveness = health === false ? null : path('health.liveness', probes.liveness, '/healthz');
  const readiness = health === false ? null : path('health.readiness', probes.readiness, '/readyz');
  if (liveness !== null && liveness === readiness)
    throw broodError(ERR.BAD_OPTION, `health.liveness and health.readiness are both ${liveness}`);
  const port = pick('managementPort');
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw broodError(ERR.BAD_OPTION, `managementPort must be a port from 0 to 65535, got ${JSON.stringify(port)}`);
  }
  const metrics = pick('metrics') ?? false;
  const metricsPath = metrics === false ? null : path('metrics.path', metrics === true ? undefined : metrics.path, '/metrics');
  if (metricsPath !== null && port === undefined) {
    throw broodError(ERR.BAD_OPTION, 'metrics are served on the management port: set managementPort too (9464 is usual)');
  }
  if (metricsPath !== null && (metricsPath === liveness || metricsPath === readiness)) {
    throw broodError(ERR.BAD_OPTION, `metrics.path ${metricsPath} is also a health probe path`);
  }
  const maxMemory = pick('maxMemory');
  const maxEventLoopBlock = pick('maxEventLoopBlock');
  return {
    health: { liveness, readiness },
    readinessDrainDelay: wholeMs('readinessDrainDelay', pick('readinessDrainDelay') ?? 0, 0),
    management: port === undefined ? null : { port, host: pick('managementHost') },
    metricsPath,
    maxMemory: maxMemory === undefined ? null : parseBytes('maxMemory', maxMemory),
    maxEventLoopBlock: maxEventLoopBlock === undefined ? null : wholeMs('maxEventLoopBlock', maxEventLoopBlock, 100),
  };
}
