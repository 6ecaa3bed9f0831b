import { importAppFile, isClass, scanTree } from '@brood/core';
import { broodError, ERR } from '@brood/errors';
import type { Middleware } from 'koa';

/** A tree of controllers: `controllers.admin.user.list`. */
export type ControllerTree = { [name: string]: ControllerTree | Middleware };

/** The callable exports of a controller module: named functions, or the functions of a default-exported object. */
function actionsOf(module: Record<string, unknown>): Record<string, Middleware> {
  const actions: Record<string, Middleware> = {};
  const fromDefault = module.default;
  if (typeof fromDefault === 'object' && fromDefault !== null) {
    for (const [name, value] of Object.entries(fromDefault)) {
      if (typeof value === 'function') actions[name] = value as Middleware;
    }
  }
  for (const [name, value] of Object.entries(module)) {
    if (name !== 'default' && typeof value === 'function') actions[name] = value as Middleware;
  }
  return actions;
}

/** Every `a.b.c` name a tree holds, for error messages. */
function known(tree: ControllerTree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([name, value]) =>
    typeof value === 'function' ? [`${prefix}${name}`] : known(value, `${prefix}${name}.`),
  );
}

/** Names a missing controller the moment the router asks for it, instead of handing koa an undefined. */
function strict(tree: ControllerTree, root: ControllerTree, prefix: string): ControllerTree {
  return new Proxy(tree, {
    get(target, key, receiver) {
      if (typeof key !== 'string' || key === 'then' || key === 'toJSON' || key in target) {
        const value = Reflect.get(target, key, receiver) as unknown;
        return typeof value === 'object' && value !== null ? strict(value as ControllerTree, root, `${prefix}${String(key)}.`) : value;
      }
      const list = known(root);
      throw broodError(ERR.CONTROLLER_NOT_FOUND, `no controller ${prefix}${key} (known: ${list.length === 0 ? 'none' : list.join(', ')})`);
    },
  });
}

/**
 * Loads `app/controller/**`: `app/controller/admin/user.ts` becomes
 * `app.controller.admin.user`, holding that file's functions.
 */
export async function loadControllers(baseDir: string, buildDir: string): Promise<ControllerTree> {
  const root: ControllerTree = {};
  for (const file of scanTree(baseDir, 'app/controller')) {
    const module = (await importAppFile(buildDir, file.source)) ?? {};
    const actions = actionsOf(module);
    if (Object.keys(actions).length === 0) {
      // A default-exported function or class is callable, but it names no action.
      const exported =
        typeof module.default === 'function' ? ` (its default export is a ${isClass(module.default) ? 'class' : 'function'})` : '';
      throw broodError(
        ERR.CONTROLLER_INVALID,
        `${file.source} exports nothing callable${exported}: export functions (ctx) => … or a default object of them, one per action`,
      );
    }
    let node = root;
    for (const segment of file.path.slice(0, -1)) {
      node[segment] ??= {};
      node = node[segment] as ControllerTree;
    }
    node[file.path.at(-1) as string] = actions;
  }
  return strict(root, root, '');
}
