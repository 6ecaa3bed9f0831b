import type { Envelope } from '@brood/messenger';
import type { ApplicationInit, BaseApplication } from '../application.js';
import type { ProcessOptions } from '../options.js';

/**
 * What differs between the agent and a worker; the child runtime does the
 * rest. `Served` is what {@link ChildRole.serve} resolves with: a worker's
 * listening address, nothing for the agent.
 */
export interface ChildRole<App extends BaseApplication, Served = unknown> {
  role: 'agent' | 'worker';
  /** The boot file's stem: `agent` or `app`. */
  bootFile: string;
  /**
   * True for a worker: once loaded (config, the boot file imported) it
   * waits for the master's `boot:continue` before it calls the boot file's
   * function and runs its hooks, so that the agent's hooks run first.
   */
  waitsForAgent?: boolean;
  /** Imports, without running them, the app's modules the role loads; before a worker waits for the agent. */
  preload?(options: ProcessOptions): Promise<void>;
  create(init: ApplicationInit): App;
  /** Loads the role's own parts of the app (router, controllers…) after config. */
  load(app: App): Promise<void>;
  /** Starts serving. */
  serve(app: App): Promise<Served>;
  /** The envelope that tells the master this process is ready. */
  readyMessage(served: Served): Envelope;
  /** Lets the application serve: every worker is ready. */
  open?(app: App): void;
  /** Stops serving and waits for in-flight work, within `timeout` ms. */
  stopServing?(app: App, timeout: number): Promise<void>;
}
