import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { killAll, ROOT, startBrood } from './helpers/cluster.js';
import { get, getJson } from './helpers/http.js';

afterEach(killAll);

test('examples/hello answers from several workers, and /agent with the agent pid', async () => {
  const cluster = startBrood(`${ROOT}examples/hello`);
  const started = await cluster.started();
  const seen = new Set<number>();
  for (let i = 0; i < 20 && seen.size < 2; i++) {
    const reply = await get(`${started.url}/`);
    assert.equal(reply.status, 200);
    const match = /^hello from worker (\d+)\n$/.exec(reply.body);
    assert.ok(match, `unexpected body ${JSON.stringify(reply.body)}`);
    seen.add(Number(match[1]));
  }
  assert.deepEqual([...seen].sort(), [...started.workers].sort());

  const agent = await getJson<{ agent: number; askedBy: number; served: number }>(`${started.url}/agent`);
  assert.equal(agent.agent, started.agent);
  assert.ok(started.workers.includes(agent.askedBy));
  assert.equal(agent.served, 1);
});
