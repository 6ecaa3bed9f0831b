import type { StartedInfo } from '@brood/master';

/** What startTestCluster asks of the master it starts, as JSON in the launcher's first argument. */
export interface LauncherOptions {
  baseDir: string;
  env: string;
  workers: number;
  logLevel: string;
  startTimeout: number;
  shutdownTimeout: number;
  /**
   * The pid of the test process's parent: the test runner (`node --test`
   * runs each file in a process of its own), or a shell. When it is gone,
   * killed with SIGKILL included, the test run is over too.
   */
  runner: number;
}

/**
 * What the launcher tells the test process over its IPC channel, besides
 * the answers to control requests (which travel as the control socket's
 * lines): the app serves, or its start failed.
 */
export type LauncherNotice =
  /** `stopBudget`: the most the master's stop can take (its stopBudget()), which the test process waits before it kills. */
  { type: 'started'; info: StartedInfo; stopBudget: number } | { type: 'failed'; error: { code: string; message: string; stack?: string } };

/** A mock for the workers of the cluster: one of Brood's mock calls, made by the master to each ready worker. */
export type MockRequest =
  | { type: 'mock-service'; id: number; name: string; method: string; source: string }
  | { type: 'restore-mocks'; id: number };
