/**
 * The hello app as a real cluster started by brood/testing: a master, the
 * agent and two workers on a free port.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startTestCluster, type TestCluster } from 'brood/testing';

let cluster: TestCluster;

before(async () => {
  cluster = await startTestCluster({ baseDir: fileURLToPath(new URL('..', import.meta.url)), workers: 2 });
});
after(() => cluster.stop());

test('fresh connections reach both workers', async () => {
  const seen = new Set<number>();
  for (let i = 0; i < 20 && seen.size < 2; i++) {
    const reply = await cluster.request().get('/').set('connection', 'close').expect(200);
    const match = /^hello from worker (\d+)\n$/.exec(reply.text);
    assert.ok(match, `unexpected body ${JSON.stringify(reply.text)}`);
    seen.add(Number(match[1]));
  }
  assert.deepEqual([...seen].sort(), [...cluster.info.workers].sort());
});

test('GET /agent is answered by the one agent, for any worker', async () => {
  const reply = await cluster.request().get('/agent').expect(200);
  assert.equal(reply.body.agent, cluster.info.agent);
  assert.ok(cluster.info.workers.includes(reply.body.askedBy));
});
