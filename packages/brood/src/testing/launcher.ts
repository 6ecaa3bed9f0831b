/**
 * The program startTestCluster forks: a master, on a free port of
 * 127.0.0.1, without a control socket, whose life is tied to the test
 * process. It takes the control commands (status, reload, run-task, stop)
 * on its IPC channel; when that channel closes — the test process ended,
 * crashed or was killed, SIGKILL included — or when the test process's
 * parent (the test runner) is gone, it stops the app within
 * {@link ORPHAN_STOP_MS}, kills what is left and exits. Its agent and
 * workers follow it by the orphan rule.
 */
import { settlesWithin, TEST_CLUSTER_ENV } from '@brood/core';
import { codeOf, ERR, messageOf } from '@brood/errors';
import { answerControl, CONTROL_VERSION, controlCommands, handleSignals, type Master } from '@brood/master';
import { toWireError } from '@brood/messenger';
import { createMaster } from '../create-master.js';
import { isAlive } from '../process-alive.js';
import type { LauncherNotice, LauncherOptions, MockRequest } from './launcher-protocol.js';

/**
 * How long the app of a test process that is gone may take to stop gracefully
 * (its `beforeClose` hooks run) before what is left is killed: the whole
 * cluster is gone about a second after the test process.
 */
const ORPHAN_STOP_MS = 1000;
/** How long a worker may take to answer a mock call. */
const MOCK_CALL_MS = 5000;

let master: Master | undefined;

/** Resolves once `message` is written, or at once when the test process is gone. */
function tell(message: LauncherNotice | object): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || process.send === undefined) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });
}

/** How often the test runner is looked for: a killed runner ends its cluster within about a second and a half. */
const RUNNER_LOOK_MS = 500;

let ending = false;

/** The test is over without a stop: the app stops within {@link ORPHAN_STOP_MS}, what is left is killed. */
function orphaned(reason: string): void {
  if (ending) return;
  ending = true;
  void (async () => {
    if (master !== undefined) {
      await settlesWithin(master.stop(reason), ORPHAN_STOP_MS);
      master.kill();
    }
    process.exit(1);
  })();
}

process.once('disconnect', () => orphaned('the test process is gone'));

/**
 * A runner killed with SIGKILL leaves its test process running (node:test
 * talks to it over a pipe, which only a write would find broken): the
 * cluster follows the runner, not only the test process.
 */
function followRunner(runner: number): void {
  if (runner <= 1) return;
  setInterval(() => {
    if (!isAlive(runner)) orphaned('the test runner is gone');
  }, RUNNER_LOOK_MS).unref();
}

/** Makes the mock call of `request` to every ready worker; resolves when all have answered. */
async function mock(running: Master, request: MockRequest): Promise<unknown> {
  const workers = running.table.readyWorkers();
  if (request.type === 'restore-mocks') {
    const counts = await Promise.all(workers.map((pid) => running.router.call(pid, 'mock:restore', null, MOCK_CALL_MS)));
    return counts.reduce((sum, count) => sum + count, 0);
  }
  const { name, method, source } = request;
  await Promise.all(workers.map((pid) => running.router.call(pid, 'mock:service', { name, method, source }, MOCK_CALL_MS)));
  return true;
}

async function answerMock(running: Master, request: MockRequest): Promise<object> {
  try {
    return { brood: CONTROL_VERSION, id: request.id, ok: true, result: await mock(running, request) };
  } catch (error) {
    const { code, message } = toWireError(error);
    return { brood: CONTROL_VERSION, id: request.id, ok: false, error: { code, message } };
  }
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as LauncherOptions;
  followRunner(options.runner);
  // The workers of this master take the test's service mocks.
  process.env[TEST_CLUSTER_ENV] = '1';
  try {
    master = await createMaster(
      {
        baseDir: options.baseDir,
        env: options.env,
        workers: options.workers,
        port: 0,
        host: '127.0.0.1',
        control: false,
        logLevel: options.logLevel,
        agentStartTimeout: options.startTimeout,
        workerStartTimeout: options.startTimeout,
        shutdownTimeout: options.shutdownTimeout,
      },
      'test',
    );
    handleSignals(master);
    const info = await master.start();
    await tell({ type: 'started', info, stopBudget: master.stopBudget() });
  } catch (error) {
    const stack = error instanceof Error && error.stack !== undefined ? { stack: error.stack } : {};
    await tell({ type: 'failed', error: { code: codeOf(error) ?? ERR.UNKNOWN, message: messageOf(error), ...stack } });
    process.exit(1);
  }
  const commands = controlCommands(master);
  const running = master;
  process.on('message', (message: unknown) => {
    if (typeof message === 'string') void answerControl(commands, message).then(tell);
    else void answerMock(running, message as MockRequest).then(tell);
  });
  process.exit(await master.done.promise);
}

void main();
