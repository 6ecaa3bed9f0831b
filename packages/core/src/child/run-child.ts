import { messageOf } from '@brood/errors';
import type { BaseApplication } from '../application.js';
import { type ProcessOptions, readProcessOptions } from '../options.js';
import { boot } from './boot.js';
import { childLogger } from './child-logger.js';
import type { ChildHost } from './host.js';
import { handleProcessEvents } from './process-events.js';
import type { ChildRole } from './role.js';
import { ChildRuntime } from './runtime.js';

/**
 * Runs the agent or a worker in this process: reads the master's options,
 * builds the runtime, boots, then waits for the master's orders. The
 * process exits on its own when the master asks it to close and when the
 * master dies.
 */
export async function runChild<App extends BaseApplication, Served>(spec: ChildRole<App, Served>): Promise<void> {
  let options: ProcessOptions;
  try {
    options = readProcessOptions();
  } catch (error) {
    process.stderr.write(`brood ${spec.role}: ${messageOf(error)}\n`);
    process.exit(1);
  }
  const runtime = new ChildRuntime(spec, options, await childLogger(spec.role, options));
  handleProcessEvents(runtime as unknown as ChildRuntime);
  await boot(runtime);
}

/**
 * Runs the agent or a worker on `host` instead of a process of its own
 * (brood/testing runs both in the test process): the same runtime and the
 * same boot, without the process's signals and exit. Resolves with the
 * runtime once it is built; the boot goes on, and reports to the master
 * through the host's channel as it would from a process.
 */
export async function hostChild<App extends BaseApplication, Served>(
  spec: ChildRole<App, Served>,
  options: ProcessOptions,
  host: ChildHost,
): Promise<ChildRuntime<App, Served>> {
  const runtime = new ChildRuntime(spec, options, await childLogger(spec.role, options), host);
  void boot(runtime);
  return runtime;
}
