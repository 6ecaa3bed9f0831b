/**
 * `agent.leader` without cluster mode (the agent leads from app-ready until
 * it stops) and in front of a cluster engine (its events passed on). Cluster
 * mode itself is tested against Redis in test/cluster-mode/.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { AgentLeader } from '@brood/agent';

function logger() {
  const errors: string[] = [];
  return { errors, log: { error: (_fields: unknown, message: string) => errors.push(message) } as never };
}

test('without cluster mode the agent is elected at start (term 1) and loses the lead when it stops', async () => {
  const { log } = logger();
  const leader = new AgentLeader(log);
  const events: string[] = [];
  leader.on('elected', ({ term }) => events.push(`elected ${term}`));
  leader.on('lost', ({ term, reason }) => events.push(`lost ${term} ${reason}`));
  assert.equal(leader.isLeader, false);
  assert.equal(leader.clustered, false);
  await leader.start();
  await leader.start();
  assert.equal(leader.isLeader, true);
  assert.equal(leader.term, 1);
  await leader.stop();
  await leader.stop();
  assert.equal(leader.isLeader, false);
  assert.equal(leader.term, null);
  assert.deepEqual(events, ['elected 1', 'lost 1 stopped']);
});

test("a listener that throws is logged; the leader's state is untouched", async () => {
  const { log, errors } = logger();
  const leader = new AgentLeader(log);
  leader.on('elected', () => {
    throw new Error('boom');
  });
  await leader.start();
  assert.equal(leader.isLeader, true);
  assert.deepEqual(errors, ["a listener of agent.leader 'elected' threw: boom"]);
});

test('in cluster mode it reads the engine and passes its events on', async () => {
  const engine = Object.assign(new EventEmitter(), {
    isLeader: false,
    term: null as number | null,
    started: 0,
    stopped: 0,
    async start() {
      this.started += 1;
    },
    async stop() {
      this.stopped += 1;
    },
  });
  const leader = new AgentLeader(logger().log);
  leader.use(engine as never);
  const events: unknown[] = [];
  leader.on('elected', (event) => events.push(event));
  leader.on('lost', (event) => events.push(event));
  await leader.start();
  assert.equal(engine.started, 1);
  assert.equal(leader.clustered, true);
  engine.isLeader = true;
  engine.term = 7;
  engine.emit('elected', { term: 7 });
  assert.equal(leader.isLeader, true);
  assert.equal(leader.term, 7);
  engine.emit('lost', { term: 7, reason: 'disconnected' });
  await leader.stop();
  assert.equal(engine.stopped, 1);
  assert.deepEqual(events, [{ term: 7 }, { term: 7, reason: 'disconnected' }]);
});
