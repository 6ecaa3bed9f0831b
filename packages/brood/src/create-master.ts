import { createRequire } from 'node:module';
import { Master, type MasterOptions, type MasterSetup } from '@brood/master';

const resolve = createRequire(import.meta.url).resolve;

/**
 * Makes a master that forks this installation's agent and workers. The
 * master package knows nothing of them: only this package, which depends
 * on every role, says where their entry scripts are.
 *
 * Imported statically, as the CLI imports the rest: esbuild then leaves out
 * of the CLI's bundle whatever of @brood/core the master does not use (the
 * agent's and workers' runtime, sdk-base, croner); a dynamic import made it
 * wrap and run every module of the packages (489 → 368 KB of bundle, and
 * 0.4 MB less RSS in the master). `brood`'s own index still imports this
 * file on demand, so an app that imports `brood` loads no master.
 */
export async function createMaster(options: MasterOptions, defaultEnv = 'prod', warn?: MasterSetup['warn']): Promise<Master> {
  return new Master(options, {
    defaultEnv,
    ...(warn === undefined ? {} : { warn }),
    entries: {
      agent: resolve('@brood/agent/entry'),
      worker: resolve('@brood/worker/entry'),
      // Resolved here, with the entries, instead of in every child (see RUN_BUNDLE_ENV).
      runBundle: resolve('@brood/core/run-bundle'),
    },
  });
}
