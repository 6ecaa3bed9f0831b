import { broodError, ERR } from '@brood/errors';
import { isPlainObject } from './config.js';
import { importAppStem } from './load-module.js';

/** The files of `app/extend/`, as Egg has them, and what each extends. */
export type ExtendTarget = 'application' | 'agent' | 'context' | 'request' | 'response' | 'helper';

/** An extension file, loaded: where it is and the properties it adds, getters and methods alike. */
export interface Extension {
  source: string;
  properties: PropertyDescriptorMap;
}

/**
 * Loads `app/extend/<target>.ts`: its default export must be a plain
 * object, whose properties (getters included) are added to the target.
 * Undefined when the app has no such file.
 */
export async function loadExtension(buildDir: string, baseDir: string, target: ExtendTarget): Promise<Extension | undefined> {
  const found = await importAppStem(buildDir, baseDir, `app/extend/${target}`);
  if (found === undefined) return undefined;
  const value = found.module.default;
  if (!isPlainObject(value)) {
    const got = value === undefined ? 'nothing' : value === null ? 'null' : typeof value === 'function' ? 'a function' : typeof value;
    throw broodError(
      ERR.EXTEND_INVALID,
      `${found.source} must export default an object of the properties to add (getters and methods), got ${got}`,
    );
  }
  return { source: found.source, properties: Object.getOwnPropertyDescriptors(value) };
}

/**
 * Adds an extension's properties to `target` (an application, or koa's
 * context, request or response prototype), as Egg does: a getter stays a
 * getter, run with `this` the object it is read on. A name the target
 * already has — Brood's or koa's — stops start-up rather than replace what
 * the framework relies on.
 */
export function applyExtension(target: object, extension: Extension, what: string, reserved: readonly string[] = []): void {
  for (const key of Reflect.ownKeys(extension.properties)) {
    const name = String(key);
    if (key in target || reserved.includes(name)) {
      throw broodError(ERR.EXTEND_INVALID, `${extension.source} defines ${name}, which ${what} already has; choose another name`);
    }
    Object.defineProperty(target, key, { ...extension.properties[key as keyof PropertyDescriptorMap], configurable: true });
  }
}
