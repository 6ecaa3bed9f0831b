/**
 * The todo app as a real cluster started by brood/testing: a master, the
 * agent and two workers on a free port, the agent's quote task ticking fast.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestCluster, type TestCluster } from 'brood/testing';

let cluster: TestCluster;

before(async () => {
  // The cluster's processes inherit this process's environment.
  process.env.TODO_QUOTE_INTERVAL = '200ms';
  cluster = await startTestCluster({ baseDir: fileURLToPath(new URL('..', import.meta.url)), workers: 2 });
});
after(() => cluster.stop());

test('a todo created through one worker is listed by every worker: the agent keeps one list', async () => {
  await cluster.request().post('/todos').send({ title: 'write docs' }).expect(201);
  for (let i = 0; i < 4; i++) {
    const list = await cluster.request().get('/todos').set('connection', 'close').expect(200);
    assert.deepEqual(
      list.body.map((t: { title: string }) => t.title),
      ['write docs'],
    );
  }
});

test('the agent task pushes a new quote to every worker, which serves it', async () => {
  const seen = new Map<number, Set<string>>();
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && [...seen.values()].filter((texts) => texts.size >= 2).length < 2) {
    const reply = await cluster.request().get('/quote').set('connection', 'close').expect(200);
    if (reply.body.quote !== null) {
      const texts = seen.get(reply.body.worker) ?? new Set<string>();
      texts.add(reply.body.quote.text);
      seen.set(reply.body.worker, texts);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(seen.size, 2, 'both workers served a quote');
  for (const [worker, texts] of seen) assert.ok(texts.size >= 2, `worker ${worker} served the quote changing: ${[...texts].join(' | ')}`);
});
