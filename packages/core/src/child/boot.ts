import { broodError, ERR, messageOf } from '@brood/errors';
import type { BaseApplication } from '../application.js';
import { bootStage } from '../boot-stage.js';
import { codeCacheReady } from '../code-cache.js';
import { deepMerge, loadConfig } from '../config.js';
import { importAppStem } from '../load-module.js';
import type { ChildRuntime } from './runtime.js';

/**
 * Boots the agent or a worker: config, the boot file and its hooks, the
 * role's own parts, then serving; reports ready to the master. A failure
 * or a boot past `startTimeout` is reported with what was pending (the
 * hook, the file being imported) and the process exits 1.
 */
export async function boot<App extends BaseApplication, Served>(runtime: ChildRuntime<App, Served>): Promise<void> {
  const { spec, options, logger, lifecycle, messenger } = runtime;
  const failed = (error: unknown): void => {
    clearTimeout(timer);
    logger.error({ err: error }, `${spec.role} failed to start: ${messageOf(error)}`);
    runtime.exits.failBoot(error);
  };
  const timer = setTimeout(() => {
    const stage = bootStage();
    const pending =
      lifecycle.current !== undefined
        ? `: ${lifecycle.file} ${lifecycle.current} has not resolved`
        : stage === undefined
          ? ''
          : `: ${stage} has not finished`;
    failed(broodError(ERR.BOOT_TIMEOUT, `${spec.role} did not become ready within ${options.startTimeout} ms${pending}`));
  }, options.startTimeout);

  try {
    const loaded = await loadConfig(options.buildDir, { baseDir: options.baseDir, env: options.env, name: spec.role });
    const config = options.config === undefined ? loaded : deepMerge(loaded, options.config);
    const app = spec.create({ options, logger, messenger, config });
    runtime.app = app;
    const bootFile = await importAppStem(options.buildDir, options.baseDir, spec.bootFile);
    if (bootFile !== undefined) {
      lifecycle.file = bootFile.source;
      await lifecycle.init(bootFile.module.default, app);
    }
    await lifecycle.run('configWillLoad');
    await lifecycle.run('configDidLoad');
    await spec.load(app);
    await lifecycle.run('didLoad');
    await lifecycle.run('willReady');
    app.ready(true);
    await lifecycle.run('didReady');
    messenger.open();
    const served = await spec.serve(app);
    clearTimeout(timer);
    if (runtime.closing) return;
    // Logged before it is reported, so the line precedes everything the report causes.
    logger.info({ event: 'ready', address: served }, `${spec.role} ready`);
    runtime.channel.send(spec.readyMessage(served));
    // Once the report is on its way: the next process of this kind boots from the code start-up compiled.
    codeCacheReady();
  } catch (error) {
    runtime.app?.ready(error instanceof Error ? error : new Error(String(error)));
    failed(error);
  }
}
