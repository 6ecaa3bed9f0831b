/**
 * The messenger figures: agent → every worker → agent round trips (p50,
 * p90, p99 of 1,000, early and steady) and a burst of 10,000 broadcasts,
 * for Brood (bench/fixtures/messenger), a hand-rolled relay
 * (bench/baselines/raw-relay.mjs) and Egg's messenger (bench/egg with
 * EGG_BENCH_MESSENGER=1). Each prints one `{ event: 'bench', bench }` line.
 */
import { fileURLToPath } from 'node:url';
import { freePort, launch, stopGroup, waitLine } from './lib.mjs';
import { broodArgs } from './systems.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

export const MESSENGER_SYSTEMS = ['brood', 'raw', 'egg'];

const commands = {
  brood: async () => {
    const port = await freePort();
    return launch(process.execPath, broodArgs('messenger', port, `msg-${port}`), { BROOD_ENV: 'prod' });
  },
  raw: async () => launch(process.execPath, [`${root}bench/baselines/raw-relay.mjs`]),
  egg: async () =>
    launch(process.execPath, [`${root}bench/egg/start.js`], {
      PORT: String(await freePort()),
      EGG_BENCH_MESSENGER: '1',
      EGG_SERVER_ENV: 'prod',
    }),
};

/** One run of system `name`: `{ early, steady, burstMs, burstPerSec, workers }`. */
export async function messenger(name) {
  const child = await commands[name]();
  try {
    return (await waitLine(child, (line) => line.event === 'bench', 60_000)).bench;
  } finally {
    // Brood is stopped as `brood stop` would, so that its control socket goes with it.
    await stopGroup(child, name === 'brood');
  }
}
