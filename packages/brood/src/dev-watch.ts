import { type FSWatcher, watch } from 'node:fs';
import type { Master } from '@brood/master';

/** Folders whose changes never reload: dependencies, build output, generated files, tests, logs. */
const IGNORED = /^(?:node_modules|\.brood|\.git|typings|dist|test|logs|run)(?:\/|$)/;
const SOURCE = /\.(?:ts|mts|js|mjs)$/;
/** Editors write a file in several steps: changes within this window make one reload. */
const SETTLE_MS = 150;

/** True for a change that should reload the app: its code and config, not tests or output. */
export function reloads(file: string): boolean {
  const path = file.split('\\').join('/');
  return SOURCE.test(path) && !IGNORED.test(path) && !path.endsWith('.d.ts');
}

/**
 * Watches the app folder and reloads the cluster when a source file
 * changes. A reload that fails (a syntax error, a worker that cannot boot)
 * is logged and the processes already serving keep serving the last good
 * version, until the next change.
 */
export function watchApp(master: Master): FSWatcher {
  let timer: NodeJS.Timeout | undefined;
  let pending = new Set<string>();
  let running = false;

  const run = async (): Promise<void> => {
    if (running) return;
    running = true;
    const files = [...pending];
    pending = new Set();
    try {
      await master.reload(`changed ${files.join(', ')}`);
    } catch (error) {
      master.logger.error({ err: error }, `${(error as Error).message}; the last good version keeps serving`);
    } finally {
      running = false;
      if (pending.size > 0) void run();
    }
  };

  const watcher = watch(master.settings.baseDir, { recursive: true }, (_event, file) => {
    if (file === null || !reloads(file)) return;
    pending.add(file);
    clearTimeout(timer);
    timer = setTimeout(() => void run(), SETTLE_MS);
  });
  watcher.unref();
  return watcher;
}
