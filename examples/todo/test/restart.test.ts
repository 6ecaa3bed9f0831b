/**
 * A worker forked after the agent's last push serves the current quote at
 * once: it asks the agent as it starts (app.ts, didReady).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { call, type RunningApp, startApp } from './app.js';

let app: RunningApp;

// The quote is pushed once, right after start-up (immediate), and not again for an hour.
before(async () => {
  app = await startApp({ TODO_QUOTE_INTERVAL: '1h' });
});

after(() => app.stop());

type QuoteReply = { quote: { text: string } | null; worker: number };

test('a worker that replaces a crashed one serves the quote pushed before it started', async () => {
  // The immediate run pushes the quote right after app-ready: wait until a worker serves it.
  let first = (await call(app.url, 'GET', '/quote')).json as QuoteReply;
  for (let i = 0; i < 100 && first.quote === null; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    first = (await call(app.url, 'GET', '/quote')).json as QuoteReply;
  }
  assert.notEqual(first.quote, null, 'the immediate run pushed a quote');
  const [victim] = app.workers;
  process.kill(victim as number, 'SIGKILL');
  // Fresh connections reach both workers; wait for one from the replacement.
  const deadline = Date.now() + 15_000;
  let fresh: QuoteReply | undefined;
  while (fresh === undefined && Date.now() < deadline) {
    try {
      const reply = (await call(app.url, 'GET', '/quote')).json as QuoteReply;
      if (!app.workers.includes(reply.worker)) fresh = reply;
    } catch {
      // the connection reached the worker that was killed
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(fresh !== undefined, `no answer from a new worker within 15 s:\n${app.stdout.join('').slice(-3000)}`);
  assert.deepEqual(fresh.quote?.text, first.quote?.text);
});
