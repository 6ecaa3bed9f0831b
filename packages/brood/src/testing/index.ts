/**
 * `brood/testing`: an app booted in the test process ({@link createTestApp},
 * the default: fast, with mocks) and a real cluster for a test
 * ({@link startTestCluster}). Neither installs a hook of any test runner.
 *
 * `import 'brood'` never loads this module; this module loads the
 * in-process runtime (the agent's and the worker's code) only when
 * `createTestApp` is called.
 */
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
  const { createTestApp: create } = await import('./test-app.js');
  return create(options);
}
