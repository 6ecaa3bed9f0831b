import { messageOf } from '@brood/errors';
import type { BaseApplication } from '../application.js';
import { type ProcessOptions, readProcessOptions } from '../options.js';
import { boot } from './boot.js';
import { childLogger } from './child-logger.js';
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
