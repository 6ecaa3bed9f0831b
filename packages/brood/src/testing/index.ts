/**
 * `brood/testing`: an app booted in the test process ({@link createTestApp},
 * the default: fast, with mocks) and a real cluster for a test
 * ({@link startTestCluster}). Neither installs a hook of any test runner.
 *
 * `import 'brood'` never loads this module; this module loads the
 * in-process runtime (the agent's and the worker's code) only when
 * `createTestApp` is called.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { TestApp, TestAppOptions } from './test-app.js';

export { type ProcessTarget, startTestCluster, type TestCluster, type TestClusterOptions } from './cluster.js';
export type { ConfigOverride, DeepPartial, MethodMock, MethodName, ServiceName } from './mock-types.js';
export type { TestApp, TestAppOptions };

/**
 * Boots the app in the test process: see {@link TestApp}.
 *
 * ```ts
 * const app = await createTestApp();
 * await app.httpRequest().get('/').expect(200);
 * await app.close();
 * ```
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  return inProcess().createTestApp(options);
}

/**
 * The in-process runtime, loaded at the first call from its bundle with a
 * code cache, as the agent and the workers of a cluster load theirs: loading
 * Brood's, koa's and pino's modules one by one is most of what a fresh test
 * process pays for its first app (measured: bench/test-app.bench.mjs).
 */
let loaded: { createTestApp: typeof import('./test-app.js').createTestApp } | undefined;
function inProcess(): NonNullable<typeof loaded> {
  if (loaded !== undefined) return loaded;
  const require = createRequire(import.meta.url);
  const { runBundle } = require('@brood/core/run-bundle') as { runBundle(file: string): unknown };
  loaded = runBundle(fileURLToPath(new URL('./in-process.bundle.cjs', import.meta.url))) as NonNullable<typeof loaded>;
  return loaded;
}
