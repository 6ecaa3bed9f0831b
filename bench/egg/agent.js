// The phases of bench/fixtures/messenger/agent.ts.
const ROUND_TRIPS = 1000;
const EARLY_WARMUP = 300;
const STEADY_WARMUP = 5000;
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
  let seq = 0;
  const roundTrips = async (count) => {
    const times = [];
    for (let i = 0; i < count; i++) {
      const started = process.hrtime.bigint();
      await new Promise((done) => {
        waiting = { seq: ++seq, left: WORKERS, done };
        agent.messenger.sendToApp('bench:ping', { seq });
      });
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    return times.sort((a, b) => a - b);
  };
  const summary = (times) => {
    const pick = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
    return { p50: pick(0.5), p90: pick(0.9), p99: pick(0.99), max: times[times.length - 1] };
  };
  agent.messenger.once('egg-ready', async () => {
    // Let start-up settle before the first round trip.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await roundTrips(EARLY_WARMUP);
    const early = summary(await roundTrips(ROUND_TRIPS));
    await roundTrips(STEADY_WARMUP);
    const steady = summary(await roundTrips(ROUND_TRIPS));
    burstLeft = WORKERS;
    const burst = new Promise((done) => {
      burstDone = done;
    });
    const started = process.hrtime.bigint();
    for (let i = 0; i < BURST; i++) agent.messenger.sendToApp('bench:burst', { i });
    await burst;
    const burstMs = Number(process.hrtime.bigint() - started) / 1e6;
    const bench = { early, steady, burstMs, burstPerSec: Math.round((BURST / burstMs) * 1000), workers: WORKERS };
    process.stdout.write(`${JSON.stringify({ event: 'bench', bench })}\n`);
  });
};
