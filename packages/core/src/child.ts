import cluster from 'node:cluster';
import { join } from 'node:path';
import {
  type AgentReadyMessage,
  type BootFailedMessage,
  type DrainedMessage,
  type Envelope,
  type ExitingMessage,
  envelope,
  type ListenAddress,
  Messenger,
  type Transport,
  toWireError,
  type WorkerReadyMessage,
} from '@brood/messenger';
import type { ApplicationInit, BaseApplication } from './application.js';
import { bootStage } from './boot-stage.js';
import { codeCacheReady } from './code-cache.js';
import { loadConfig } from './config.js';
import { broodError, CoreErrors } from './errors.js';
import { Lifecycle } from './lifecycle.js';
import { importAppStem } from './load-module.js';
import { createLogger, type Logger, logFileName, openLogFile } from './logger.js';
import { type ProcessOptions, readProcessOptions, WORKER_SLOT_ENV } from './options.js';

/**
 * How long an orphaned process (its master is gone) may spend on
 * `beforeClose` hooks before it exits anyway: the whole tree must be gone
 * within a second of the master's death.
 */
export const ORPHAN_CLOSE_BUDGET_MS = 500;

/** How long a closed process waits for the master to confirm it read everything before it exits anyway. */
const DRAIN_ACK_MS = 500;

/** What differs between the agent and a worker. */
export interface ChildRole<App extends BaseApplication> {
  role: 'agent' | 'worker';
  /** The boot file's stem: `agent` or `app`. */
  bootFile: string;
  create(init: ApplicationInit): App;
  /** Loads the role's own parts of the app (router, controllers…) after config. */
  load(app: App): Promise<void>;
  /** Starts serving; a worker resolves with the address it listens on. */
  serve(app: App): Promise<ListenAddress | undefined>;
  /** Lets the application serve: every worker is ready. */
  open?(app: App): void;
  /** Stops serving and waits for in-flight work, within `timeout` ms. */
  stopServing?(app: App, timeout: number): Promise<void>;
}

/** The IPC channel to the master as a messenger transport. */
function processTransport(): Transport {
  const swallow = (): void => {};
  return {
    send(message: Envelope): boolean {
      if (process.send === undefined || !process.connected) return false;
      // With a callback a closed channel is reported there instead of as an 'error' event.
      process.send(message, undefined, {}, swallow);
      return true;
    },
    onMessage(listener) {
      process.on('message', listener);
    },
  };
}

/** Resolves after `ms`, without keeping the process alive. */
const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/**
 * Boots the agent or a worker in this process and keeps it running:
 * reads the master's options, loads config and the boot file, runs the
 * lifecycle, reports ready, then waits for the master's orders. It exits on
 * its own when the master asks it to close and when the master dies.
 */
export async function runChild<App extends BaseApplication>(spec: ChildRole<App>): Promise<void> {
  let options: ProcessOptions;
  try {
    options = readProcessOptions();
  } catch (error) {
    process.stderr.write(`brood ${spec.role}: ${(error as Error).message}\n`);
    process.exit(1);
  }
  const workerId = cluster.isWorker ? cluster.worker?.id : undefined;
  const slot = Number(process.env[WORKER_SLOT_ENV] ?? 0);
  const file =
    options.logDir === undefined
      ? undefined
      : {
          path: join(options.logDir, logFileName(spec.role, slot)),
          ...(options.logRotate === undefined ? {} : { rotate: options.logRotate }),
        };
  const logger = createLogger({
    role: spec.role,
    ...(workerId === undefined ? {} : { workerId }),
    pretty: options.pretty,
    level: options.logLevel,
    ...(file === undefined ? {} : { file }),
  });
  if (file !== undefined) {
    try {
      await openLogFile(logger, file);
    } catch (error) {
      logger.error({ err: error }, `cannot open the log file ${file.path}: ${(error as Error).message}`);
    }
  }
  const transport = processTransport();
  const lifecycle = new Lifecycle(`${spec.bootFile}.ts`);
  let app: App | undefined;
  let closing: Promise<void> | undefined;

  /** Resolves once the master answered `process:drained` (see DrainedMessage), or after DRAIN_ACK_MS. */
  let drainedAck: (() => void) | undefined;
  const drained = (): Promise<void> =>
    new Promise((resolve) => {
      drainedAck = resolve;
      transport.send(envelope<DrainedMessage>({ type: 'process:drained' }));
      delay(DRAIN_ACK_MS).then(resolve);
    });

  const exit = (code: number): void => {
    messenger.flush();
    if (process.send === undefined || !process.connected) process.exit(code);
    void drained().then(() => {
      if (process.send === undefined || !process.connected) process.exit(code);
      // The exit waits for this last write, so nothing queued before it is lost.
      process.send(envelope<ExitingMessage>({ type: 'process:exiting', code }), undefined, {}, () => process.exit(code));
      delay(200).then(() => process.exit(code));
    });
  };

  const close = (budget: number, reason: string, code = 0): Promise<void> => {
    closing ??= (async () => {
      logger.info({ reason }, `${spec.role} closing: ${reason}`);
      const deadline = Date.now() + budget;
      const work = (async () => {
        if (app !== undefined) {
          await spec.stopServing?.(app, Math.max(0, deadline - Date.now()));
          await lifecycle.run('beforeClose');
          await app.close();
        }
      })();
      try {
        await Promise.race([
          work,
          delay(Math.max(0, deadline - Date.now())).then(() => {
            const hook = lifecycle.current === undefined ? '' : ` (${lifecycle.file} ${lifecycle.current} has not resolved)`;
            logger.warn({ budget }, `${spec.role} close took longer than ${budget} ms${hook}; exiting anyway`);
          }),
        ]);
      } catch (error) {
        logger.error({ err: error }, `${spec.role} close failed`);
      }
      messenger.close();
      exit(code);
    })();
    return closing;
  };

  const messenger = new Messenger({
    role: spec.role,
    transport,
    log: logger,
    requestTimeout: options.requestTimeout,
    onControl(message) {
      switch (message.type) {
        case 'app:ready':
          messenger.setPeers(message.peers);
          if (app !== undefined) {
            // Listeners learn first, so app code serving the requests that waited sees a ready app.
            app.emit('app-ready', message.peers);
            spec.open?.(app);
            lifecycle.run('serverDidReady').catch((error: unknown) => logger.error({ err: error }, (error as Error).message));
          }
          break;
        case 'app:stopping':
          app?.emit('app-stopping');
          break;
        case 'peers:changed':
          messenger.setPeers(message.peers);
          app?.emit('peers-changed', message.peers);
          break;
        case 'process:close':
          void close(message.timeout, 'asked by the master');
          break;
        case 'process:drained-ack':
          drainedAck?.();
          break;
        default:
          logger.warn({ type: message.type }, `unexpected ${message.type} from the master ignored`);
      }
    },
  });

  // The master alone decides how the cluster stops. A stop signal sent to the
  // whole process group — Ctrl-C, Ctrl-\, systemd's default
  // KillMode=control-group, kill -- -PGID — reaches the master too, which
  // closes the workers and then the agent, in order; a child that acted on
  // it would close out of turn. Without a master (the channel closed) a
  // child is closing already, or closes now.
  for (const signal of ['SIGINT', 'SIGQUIT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (!process.connected) void close(options.shutdownTimeout, signal);
    });
  }
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, `uncaught exception in ${spec.role}: ${error.message}`);
    process.exitCode = 1;
    void close(Math.min(options.shutdownTimeout, 2000), 'uncaught exception', 1);
  });

  // Orphan: the master died (even by SIGKILL) and the IPC channel closed.
  // Node's cluster makes a worker exit at once on an unexpected disconnect;
  // marking the disconnect as expected lets beforeClose run within its budget.
  if (cluster.isWorker && cluster.worker !== undefined) {
    const worker = cluster.worker;
    worker.on('disconnect', () => {
      worker.exitedAfterDisconnect = true;
    });
  }
  process.on('disconnect', () => {
    logger.warn('master is gone: closing');
    void close(ORPHAN_CLOSE_BUDGET_MS, 'master is gone');
  });

  const bootTimer = setTimeout(() => {
    const stage = bootStage();
    const hook =
      lifecycle.current !== undefined
        ? `: ${lifecycle.file} ${lifecycle.current} has not resolved`
        : stage === undefined
          ? ''
          : `: ${stage} has not finished`;
    fail(broodError(CoreErrors.BOOT_TIMEOUT, `${spec.role} did not become ready within ${options.startTimeout} ms${hook}`));
  }, options.startTimeout);

  function fail(error: unknown): void {
    clearTimeout(bootTimer);
    logger.error({ err: error }, `${spec.role} failed to start: ${(error as Error).message}`);
    messenger.flush();
    if (process.send === undefined || !process.connected) process.exit(1);
    const failed = envelope<BootFailedMessage>({ type: 'boot:failed', error: toWireError(error, CoreErrors.LOAD_FAILED) });
    process.send(failed, undefined, {}, () => process.exit(1));
    delay(500).then(() => process.exit(1));
  }

  try {
    const info = { baseDir: options.baseDir, env: options.env, name: spec.role };
    const config = await loadConfig(options.buildDir, info);
    app = spec.create({ options, logger, messenger, config });
    const boot = await importAppStem(options.buildDir, options.baseDir, spec.bootFile);
    if (boot !== undefined) {
      lifecycle.file = boot.source;
      await lifecycle.init(boot.module.default, app);
    }
    await lifecycle.run('configWillLoad');
    await lifecycle.run('configDidLoad');
    await spec.load(app);
    await lifecycle.run('didLoad');
    await lifecycle.run('willReady');
    app.ready(true);
    await lifecycle.run('didReady');
    messenger.open();
    const address = await spec.serve(app);
    clearTimeout(bootTimer);
    if (closing !== undefined) return;
    // Logged before it is reported, so the line precedes everything the report causes.
    logger.info({ event: 'ready', address }, `${spec.role} ready`);
    if (spec.role === 'agent') transport.send(envelope<AgentReadyMessage>({ type: 'agent:ready' }));
    else if (address !== undefined) transport.send(envelope<WorkerReadyMessage>({ type: 'worker:ready', address }));
    // Once the report is on its way: the next process of this kind boots from the code start-up compiled.
    codeCacheReady();
  } catch (error) {
    if (app !== undefined) app.ready(error as Error);
    fail(error);
  }
}

export type { Logger };
