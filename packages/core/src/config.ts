import { broodError, ERR, messageOf } from '@brood/errors';
import { importAppStem } from './load-module.js';

/** What a config function receives. */
export interface AppInfo {
  baseDir: string;
  env: string;
  name: string;
}

/** A plain object: merged key by key, where arrays and class instances are replaced whole. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Deep-merges `override` into a copy of `base`. */
export function deepMerge(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = result[key];
    result[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return result;
}

async function loadOne(buildDir: string, info: AppInfo, stem: string): Promise<Record<string, unknown>> {
  let found: Awaited<ReturnType<typeof importAppStem>>;
  try {
    found = await importAppStem(buildDir, info.baseDir, stem);
  } catch (error) {
    throw broodError(ERR.CONFIG_INVALID, messageOf(error), error);
  }
  if (found === undefined) return {};
  let value = found.module.default;
  if (typeof value === 'function') {
    try {
      value = await (value as (info: AppInfo) => unknown)(info);
    } catch (error) {
      throw broodError(ERR.CONFIG_INVALID, `${found.source} threw: ${messageOf(error)}`, error);
    }
  }
  if (!isPlainObject(value)) {
    throw broodError(
      ERR.CONFIG_INVALID,
      `${found.source} must export default an object (or a function returning one), got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
    );
  }
  return value;
}

/**
 * Loads `config/config.default` and deep-merges `config/config.<env>` over
 * it. A file that throws or exports something other than an object stops
 * start-up with the file named.
 */
export async function loadConfig(buildDir: string, info: AppInfo): Promise<Record<string, unknown>> {
  const defaults = await loadOne(buildDir, info, 'config/config.default');
  const forEnv = await loadOne(buildDir, info, `config/config.${info.env}`);
  return deepMerge(defaults, forEnv);
}
