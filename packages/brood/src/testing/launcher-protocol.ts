import type { StartedInfo } from '@brood/master';

/** What startTestCluster asks of the master it starts, as JSON in the launcher's first argument. */
export interface LauncherOptions {
  baseDir: string;
  env: string;
  workers: number;
  logLevel: string;
  startTimeout: number;
  shutdownTimeout: number;
}

/**
 * What the launcher tells the test process over its IPC channel, besides
 * the answers to control requests (which travel as the control socket's
 * lines): the app serves, or its start failed.
 */
export type LauncherNotice =
  | { type: 'started'; info: StartedInfo }
  | { type: 'failed'; error: { code: string; message: string; stack?: string } };
