/**
 * A worker forked after the agent's last push serves the current quote at
 * once: the agent pushes it retained, and the master gives the last one to
 * the new worker before it serves.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestCluster, type TestCluster } from 'brood/testing';

let cluster: TestCluster;

// The quote is pushed once, right after start-up (immediate), and not again for an hour.
before(async () => {
  process.env.TODO_QUOTE_INTERVAL = '1h';
  cluster = await startTestCluster({ baseDir: fileURLToPath(new URL('..', import.meta.url)), workers: 2 });
});
after(() => cluster.stop());

type QuoteReply = { quote: { text: string } | null; worker: number };

test('a worker that replaces a crashed one serves the quote pushed before it started', async () => {
  // The immediate run pushes the quote right after app-ready; running it again here pushes the next one.
  await cluster.runTask('refresh-quote');
  const first = (await cluster.request().get('/quote').expect(200)).body as QuoteReply;
  assert.notEqual(first.quote, null, 'the run pushed a quote');
  const victim = await cluster.kill('worker');
  // Wait for the replacement, then ask until a fresh connection reaches it.
  const deadline = Date.now() + 15_000;
  let fresh: QuoteReply | undefined;
  while (fresh === undefined && Date.now() < deadline) {
    const { processes } = await cluster.status();
    const replacement = processes.find((p) => p.role === 'worker' && p.state === 'ready' && !cluster.info.workers.includes(p.pid));
    if (replacement !== undefined) {
      const reply = (await cluster.request().get('/quote').set('connection', 'close').expect(200)).body as QuoteReply;
      if (reply.worker === replacement.pid) fresh = reply;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.ok(fresh !== undefined, `no answer from the worker that replaced ${victim} within 15 s`);
  assert.equal(fresh.quote?.text, first.quote?.text);
});
