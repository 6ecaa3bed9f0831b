import { asError, broodError, ERR, messageOf } from '@brood/errors';
import { type BootLoadedMessage, envelope } from '@brood/messenger';
import type { BaseApplication } from '../application.js';
import { bootStage } from '../boot-stage.js';
import { codeCacheReady } from '../code-cache.js';
import { deepMerge, loadConfig } from '../config.js';
import { importAppStem } from '../load-module.js';
import { BootClock } from '../timeout.js';
import type { ChildRuntime } from './runtime.js';

/**
 * Boots the agent or a worker: config, the boot file and its hooks, the
 * role's own parts, then serving; reports ready to the master. A failure
 * or a boot past `startTimeout` is reported with what was pending (the
 * hook, the file being imported) and the process exits 1.
 *
 * A worker stops once it has loaded — config read, the boot file and the
 * app's modules imported, none of their functions called — and waits for
 * the master's word that the agent is ready (docs/cluster.md): its Node
 * start-up and loading overlap the agent's boot, its hooks still follow
 * the agent's. That wait does not count against its `startTimeout`.
 */
export async function boot<App extends BaseApplication, Served>(runtime: ChildRuntime<App, Served>): Promise<void> {
  const { spec, options, logger, lifecycle, messenger } = runtime;
  const failed = (error: unknown): void => {
    clock.clear();
    logger.error({ err: error }, `${spec.role} failed to start: ${messageOf(error)}`);
    runtime.exits.failBoot(error);
  };
  const clock = new BootClock(options.startTimeout, () => {
    const stage = bootStage();
    const pending =
      lifecycle.current !== undefined
        ? `: ${lifecycle.file} ${lifecycle.current} has not resolved`
        : stage === undefined
          ? ''
          : `: ${stage} has not finished`;
    failed(broodError(ERR.BOOT_TIMEOUT, `${spec.role} did not become ready within ${options.startTimeout} ms${pending}`));
  });

  try {
    const loaded = await loadConfig(options.buildDir, { baseDir: options.baseDir, env: options.env, name: spec.role });
    const config = options.config === undefined ? loaded : deepMerge(loaded, options.config);
    const app = spec.create({ options, logger, messenger, config });
    runtime.app = app;
    const bootFile = await importAppStem(options.buildDir, options.baseDir, spec.bootFile);
    await spec.preload?.(options);
    runtime.channel.send(envelope<BootLoadedMessage>({ type: 'boot:loaded' }));
    if (spec.waitsForAgent === true) await waitForAgent(runtime, clock);
    if (runtime.closing) {
      clock.clear();
      return;
    }
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
    clock.clear();
    if (runtime.closing) return;
    // Logged before it is reported, so the line precedes everything the report causes.
    logger.info({ event: 'ready', address: served }, `${spec.role} ready`);
    runtime.channel.send(spec.readyMessage(served));
    // Once the report is on its way: the next process of this kind boots from the code start-up compiled.
    codeCacheReady();
  } catch (error) {
    runtime.app?.ready(asError(error));
    failed(error);
  }
}

/** Resolves on the master's `boot:continue`; the clock stops meanwhile. */
function waitForAgent(runtime: ChildRuntime<BaseApplication, unknown>, clock: BootClock): Promise<void> {
  return new Promise((resolve) => {
    clock.pause();
    runtime.proceed = () => {
      runtime.proceed = () => {};
      clock.resume();
      resolve();
    };
  });
}
