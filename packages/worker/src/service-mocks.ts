import { broodError, ERR, messageOf } from '@brood/errors';
import type { WorkerApplication } from './worker-application.js';

/** The methods an object has, own and inherited, `constructor` and accessors left out. */
function methodsOf(proto: object): string[] {
  const names = new Set<string>();
  for (let level: object | null = proto; level !== null && level !== Object.prototype; level = Object.getPrototypeOf(level)) {
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(level))) {
      if (name !== 'constructor' && typeof descriptor.value === 'function') names.add(name);
    }
  }
  return [...names].sort();
}

/**
 * Replaces `method` of the service named `name` (`admin.user`) with `fn`,
 * on its class's prototype: every instance, made before or after, uses it.
 * Returns what undoes it. A name or method the app does not have, or an
 * `fn` that is no function, throws `ERR_BROOD_MOCK_INVALID` naming what exists.
 */
export function mockServiceMethod(app: WorkerApplication, name: string, method: string, fn: unknown): () => void {
  const found = app.serviceClasses.get(name);
  if (found === undefined) {
    const known = [...app.serviceClasses.keys()].sort().join(', ') || 'none: the app has no app/service';
    throw broodError(ERR.MOCK_INVALID, `mockService: no service ${name} (known: ${known})`);
  }
  const proto = found.prototype as object;
  const methods = methodsOf(proto);
  if (!methods.includes(method)) {
    throw broodError(ERR.MOCK_INVALID, `mockService: service ${name} has no method ${method} (it has: ${methods.join(', ') || 'none'})`);
  }
  if (typeof fn !== 'function') {
    throw broodError(ERR.MOCK_INVALID, `mockService: the mock of ${name}.${method} must be a function, got ${typeof fn}`);
  }
  const own = Object.getOwnPropertyDescriptor(proto, method);
  Object.defineProperty(proto, method, { value: fn, writable: true, configurable: true, enumerable: false });
  return () => {
    if (own === undefined) Reflect.deleteProperty(proto, method);
    else Object.defineProperty(proto, method, own);
  };
}

/** The function a mock's source (an arrow function or a function expression) evaluates to. */
export function functionFromSource(source: string, what: string): unknown {
  try {
    return new Function(`return (${source});`)();
  } catch (error) {
    throw broodError(
      ERR.MOCK_INVALID,
      `mockService: the mock of ${what} is sent to the workers as its source, which must be an arrow function or a function expression: ${messageOf(error)}`,
    );
  }
}

/**
 * In a worker of a test cluster (TEST_CLUSTER_ENV, set by brood/testing; no
 * other worker evaluates code it is sent): answers the master's `mock:service` (the
 * function travels as its source, so it may use its arguments and `this`,
 * not the variables of the test around it) and `mock:restore`.
 */
export function answerMockCalls(app: WorkerApplication): void {
  const undo: Array<() => void> = [];
  app.messenger.handle('mock:service', ({ name, method, source }) => {
    undo.push(mockServiceMethod(app, name, method, functionFromSource(source, `${name}.${method}`)));
    return true as const;
  });
  app.messenger.handle('mock:restore', () => {
    const count = undo.length;
    for (const step of undo.splice(0).reverse()) step();
    return count;
  });
}
