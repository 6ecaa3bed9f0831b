import { importAppFile, isClass, scanTree } from '@brood/core';
import { broodError, ERR } from '@brood/errors';
import type Koa from 'koa';

/** A service class: constructed with the request's context. */
export type ServiceClass = new (ctx: Koa.Context) => object;

/** A tree of service classes mirroring `app/service/**`. */
type ServiceTree = { [name: string]: ServiceTree | ServiceClass };

/**
 * Builds, once at start-up, a prototype whose getters create each service
 * on first access and keep it for the rest of the request: a request pays
 * only for the services it uses.
 */
function containerPrototype(tree: ServiceTree): (ctx: Koa.Context) => object {
  const proto: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(tree)) {
    const make = isClass<ServiceClass>(value) ? (ctx: Koa.Context) => new value(ctx) : containerPrototype(value);
    Object.defineProperty(proto, name, {
      enumerable: true,
      get(this: { ctx: Koa.Context; cache: Map<string, object> }) {
        let instance = this.cache.get(name);
        if (instance === undefined) {
          instance = make(this.ctx);
          this.cache.set(name, instance);
        }
        return instance;
      },
    });
  }
  return (ctx) => Object.assign(Object.create(proto) as object, { ctx, cache: new Map<string, object>() });
}

/**
 * Loads `app/service/**` and defines `ctx.service`: `app/service/user.ts`
 * is `ctx.service.user`, an instance of its default-exported class made on
 * first use in each request. Resolves with each class by its dotted name
 * (`admin.user` for `app/service/admin/user.ts`).
 */
export async function loadServices(koa: Koa, baseDir: string, buildDir: string): Promise<Map<string, ServiceClass>> {
  const tree: ServiceTree = {};
  const classes = new Map<string, ServiceClass>();
  for (const file of scanTree(baseDir, 'app/service')) {
    const module = (await importAppFile(buildDir, file.source)) ?? {};
    const exported = module.default;
    if (!isClass<ServiceClass>(exported)) {
      throw broodError(ERR.SERVICE_INVALID, `${file.source} must export default a class (extends Service from 'brood')`);
    }
    let node = tree;
    for (const segment of file.path.slice(0, -1)) {
      node[segment] ??= {};
      node = node[segment] as ServiceTree;
    }
    node[file.path.at(-1) as string] = exported;
    classes.set(file.path.join('.'), exported);
  }
  const create = containerPrototype(tree);
  const cache = Symbol('brood.services');
  Object.defineProperty(koa.context, 'service', {
    configurable: true,
    get(this: Koa.Context & { [cache]?: object }) {
      this[cache] ??= create(this);
      return this[cache];
    },
  });
  return classes;
}
