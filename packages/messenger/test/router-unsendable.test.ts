/**
 * A message the router cannot write to its target — Node's serialiser
 * gives up on it, as on data nested tens of thousands deep that a child
 * wrote raw on its channel — is not lost in silence: a request fails with
 * ERR_BROOD_UNSENDABLE_DATA, anything else is dropped, counted and logged,
 * and the messages around it go on.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReplyMessage } from '@brood/messenger';
import { action, PIDS, setup } from './fake-cluster.js';

const { AGENT, W1, W2 } = PIDS;

test('a message its target cannot be written is dropped and counted; a request for it fails with ERR_BROOD_UNSENDABLE_DATA', async () => {
  const { router, table, inbox, warnings, tick, actions } = setup();
  for (const pid of [AGENT, W1, W2]) table.markReady(pid);
  table.markAppReady();
  router.receive(W1, action(W1, 'worker', 'agent', 'before'));
  router.receive(W1, action(W1, 'worker', 'agent', 'unwritable'));
  router.receive(W1, action(W1, 'worker', 'agent', 'unwritable', 7));
  router.receive(W1, action(W1, 'worker', 'agent', 'after'));
  await tick();
  assert.deepEqual(actions(AGENT), ['before', 'after']);
  assert.equal(router.droppedFor(AGENT), 2);
  const replies = (inbox.get(W1) ?? []).filter((m) => m.type === 'reply') as ReplyMessage[];
  assert.equal(replies.length, 1);
  assert.equal(replies[0]?.ack, 7);
  assert.equal(replies[0]?.error?.code, 'ERR_BROOD_UNSENDABLE_DATA');
  assert.match(
    replies[0]?.error?.message ?? '',
    /^request unwritable to agent 101 refused: it cannot be written: Maximum call stack size exceeded$/,
  );
  assert.ok(
    warnings.some((line) => /^message unwritable for agent 101 dropped: it cannot be written/.test(line)),
    warnings.join('\n'),
  );
  router.flushLog();
});
