import { createRequire } from 'node:module';
import type { Master, MasterOptions, MasterSetup } from '@brood/master';

const resolve = createRequire(import.meta.url).resolve;

/**
 * Makes a master that forks this installation's agent and workers. The
 * master package knows nothing of them: only this package, which depends
 * on every role, says where their entry scripts are.
 */
export async function createMaster(options: MasterOptions, defaultEnv = 'prod', warn?: MasterSetup['warn']): Promise<Master> {
  const { Master } = await import('@brood/master');
  return new Master(options, {
    defaultEnv,
    ...(warn === undefined ? {} : { warn }),
    entries: { agent: resolve('@brood/agent/entry'), worker: resolve('@brood/worker/entry') },
  });
}
