#!/usr/bin/env node
/**
 * Where the early round-trip tail comes from, with nothing of Brood in it:
 * a parent and one forked child ping-pong 20,000 times over Node's IPC
 * channel, and the round trips over 1 ms are counted, with the time since
 * the first one at which they happened. Run once as is and once with V8's
 * optimising compiler off; docs/benchmarks.md ("The round-trip tail")
 * quotes the figures.
 *
 *   node bench/ipc-warmup.mjs
 */
import { fork, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const ROUND_TRIPS = 20_000;

if (process.env.IPC_WARMUP_ROLE === 'child') {
  process.on('message', (message) => process.send(message));
} else if (process.env.IPC_WARMUP_ROLE === 'parent') {
  const child = fork(self, [], { env: { ...process.env, IPC_WARMUP_ROLE: 'child' }, execArgv: process.execArgv });
  await new Promise((resolve) => setTimeout(resolve, 200));
  const first = process.hrtime.bigint();
  const slow = [];
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const started = process.hrtime.bigint();
    await new Promise((resolve) => {
      child.once('message', resolve);
      child.send({ i });
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (ms > 1) slow.push(Number(started - first) / 1e6);
  }
  child.kill();
  const early = slow.filter((at) => at < 300).length;
  process.stdout.write(`${slow.length} of ${ROUND_TRIPS} round trips over 1 ms, ${early} of them in the first 300 ms\n`);
} else {
  for (const flags of [[], ['--no-opt']]) {
    const run = spawnSync(process.execPath, [...flags, self], {
      env: { ...process.env, IPC_WARMUP_ROLE: 'parent' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    process.stdout.write(`node ${[...flags, 'ipc-warmup'].join(' ')}: ${run.stdout.trim() || run.stderr.trim()}\n`);
  }
}
