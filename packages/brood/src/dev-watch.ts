import { type FSWatcher, readdirSync, statSync, watch } from 'node:fs';
import { join, relative } from 'node:path';
import { messageOf } from '@brood/errors';
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
 * Watches the source files of the app in `baseDir` and calls `onChange`
 * with the files that changed, once they settle. Calls do not overlap:
 * changes during one are passed to the next. The watchers keep the process
 * alive only with `keepAlive`.
 *
 * Every folder gets a watcher of its own instead of one `recursive` watcher:
 * on Linux, Node 20's recursive watcher loses a file for good once an editor
 * saves it by writing a temporary file and renaming it over the original
 * (vim, sed -i, many IDEs), so only the first save of each file reloaded.
 * A folder's own watcher sees such a rename as an event for the file's name.
 */
export function watchSources(
  baseDir: string,
  onChange: (files: string[]) => Promise<void>,
  options: { keepAlive?: boolean } = {},
): { folders: number; close(): void } {
  const watchers = new Map<string, FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  let pending = new Set<string>();
  let running = false;

  const run = async (): Promise<void> => {
    if (running) return;
    running = true;
    const files = [...pending];
    pending = new Set();
    try {
      await onChange(files);
    } finally {
      running = false;
      if (pending.size > 0) void run();
    }
  };

  const isDir = (path: string): boolean => {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  };

  const changed = (full: string): void => {
    const file = relative(baseDir, full);
    if (!reloads(file)) return;
    pending.add(file);
    clearTimeout(timer);
    timer = setTimeout(() => void run(), SETTLE_MS);
  };

  /** Watches `dir` and the folders in it; `fresh` for a folder made after start-up, whose files count as changes. */
  const watchDir = (dir: string, fresh = false): void => {
    const rel = relative(baseDir, dir).split('\\').join('/');
    if (watchers.has(dir) || (rel !== '' && (IGNORED.test(rel) || rel.split('/').some((part) => part.startsWith('.'))))) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, (_event, name) => {
        if (name === null) return;
        const full = join(dir, name);
        if (isDir(full)) watchDir(full, true);
        else changed(full);
      });
    } catch {
      return; // not a folder, or gone already
    }
    watcher.on('error', () => {
      watcher.close();
      watchers.delete(dir);
    });
    // A running master keeps the process alive; the watchers alone do only when asked to.
    if (options.keepAlive !== true) watcher.unref();
    watchers.set(dir, watcher);
    try {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) watchDir(join(dir, entry.name), fresh);
        else if (fresh) changed(join(dir, entry.name));
      }
    } catch {
      // the folder went away meanwhile
    }
  };

  watchDir(baseDir);
  return {
    folders: watchers.size,
    close() {
      clearTimeout(timer);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}

/**
 * Reloads the cluster when a source file of the app changes. A reload that
 * fails (a syntax error, a worker that cannot boot) is logged and the
 * processes already serving keep serving the last good version, until the
 * next change.
 */
export function watchApp(master: Master): { close(): void } {
  const watcher = watchSources(master.settings.baseDir, async (files) => {
    try {
      // Each role is replaced only when it loads a changed file: a controller's edit keeps the agent and its state.
      await master.reload(`changed ${files.join(', ')}`, { changed: files });
    } catch (error) {
      // One line: the message names the file and line (or the process that failed, which logged its own stack).
      master.logger.error({ code: (error as { code?: string }).code }, `${messageOf(error)}; the last good version keeps serving`);
    }
  });
  master.logger.info({ event: 'watching', folders: watcher.folders }, `watching ${master.settings.baseDir} for changes`);
  return watcher;
}

/**
 * Resolves at the next change of a source file of the app in `baseDir`:
 * `brood dev` waits here when the app could not start, and tries again.
 * `watching` is called once every watcher is in place (fs.watch adds its
 * inotify watch before it returns): a change saved from then on is seen,
 * so that is when `brood dev` may say it waits.
 */
export function nextChange(baseDir: string, watching: () => void): Promise<string[]> {
  return new Promise((resolve) => {
    const watcher = watchSources(
      baseDir,
      async (files) => {
        watcher.close();
        resolve(files);
      },
      { keepAlive: true },
    );
    watching();
  });
}
