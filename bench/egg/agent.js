const ROUND_TRIPS = 1000;
const WARMUP = 300;
const BURST = 10000;
const WORKERS = 2;

// The same measurement as bench/fixtures/messenger/agent.ts, through Egg's messenger.
module.exports = (agent) => {
  if (process.env.EGG_BENCH_MESSENGER !== '1') return;
  let waiting;
  agent.messenger.on('bench:pong', ({ seq }) => {
    if (waiting && waiting.seq === seq && --waiting.left === 0) waiting.done();
  });
  let burstLeft = 0;
  let burstDone;
  agent.messenger.on('bench:burst-done', () => {
    if (--burstLeft === 0) burstDone();
  });
  agent.messenger.once('egg-ready', async () => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const times = [];
    for (let seq = 1 - WARMUP; seq <= ROUND_TRIPS; seq++) {
      const started = process.hrtime.bigint();
      await new Promise((done) => {
        waiting = { seq, left: WORKERS, done };
        agent.messenger.sendToApp('bench:ping', { seq });
      });
      if (seq > 0) times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    times.sort((a, b) => a - b);
    const pick = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
    burstLeft = WORKERS;
    const burst = new Promise((done) => {
      burstDone = done;
    });
    const started = process.hrtime.bigint();
    for (let i = 0; i < BURST; i++) agent.messenger.sendToApp('bench:burst', { i });
    await burst;
    const burstMs = Number(process.hrtime.bigint() - started) / 1e6;
    process.stdout.write(
      `${JSON.stringify({ event: 'bench', bench: { p50: pick(0.5), p90: pick(0.9), p99: pick(0.99), max: times[times.length - 1], burstMs, burstPerSec: Math.round((BURST / burstMs) * 1000), workers: WORKERS } })}\n`,
    );
  });
};
