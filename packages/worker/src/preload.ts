import { importAppFile, importAppStem, type ProcessOptions, scanTree } from '@brood/core';

/** The folders whose every file a worker imports (middleware: those config names; Egg loads them all). */
const FOLDERS = ['app/controller', 'app/service', 'app/middleware', 'app/schedule'];

/**
 * Imports the app's modules a worker is about to load — controllers,
 * services, middleware, scheduled tasks, the router — while the agent still
 * boots (docs/cluster.md): their top-level code runs, none of their
 * functions is called, and the loaders after the agent is ready find them
 * imported. On the way to the first request this takes Node's ES module
 * loader and the app's own imports off the path that follows the agent.
 * A file that throws fails the boot with the loader's own message.
 */
export async function preloadAppModules(options: ProcessOptions): Promise<void> {
  const { baseDir, buildDir } = options;
  for (const folder of FOLDERS) {
    for (const file of scanTree(baseDir, folder)) await importAppFile(buildDir, file.source);
  }
  await importAppStem(buildDir, baseDir, 'app/router');
}
