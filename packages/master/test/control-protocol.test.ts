/**
 * parseRequest, which reads each line the brood CLI writes to the master's
 * control socket: a bad line gets a reason (and, when it can be read, the id
 * to answer to), never a throw. test/cli.test.ts sends such lines to a real
 * master. (The master does not export it: imported from its source.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRequest } from '../src/control/protocol.js';

/** What parseRequest refuses `line` with: the id to answer to and the reason. */
function refusal(line: string): { id: number | null; reason: string } {
  const parsed = parseRequest(line);
  assert.equal(parsed.ok, false, `${line} was accepted`);
  return parsed.ok ? { id: null, reason: '' } : { id: parsed.id, reason: parsed.reason };
}

test('each command the CLI sends is accepted as it was written', () => {
  for (const command of ['status', 'stop', 'reload']) {
    const parsed = parseRequest(JSON.stringify({ brood: 1, id: 3, command }));
    assert.deepEqual(parsed, { ok: true, request: { brood: 1, id: 3, command, args: {} } });
  }
  const withArgs = parseRequest('{"brood":1,"id":9,"command":"run-task","args":{"name":"cleanup"}}');
  assert.deepEqual(withArgs, { ok: true, request: { brood: 1, id: 9, command: 'run-task', args: { name: 'cleanup' } } });
  const withTimeout = parseRequest('{"brood":1,"id":9,"command":"run-task","args":{"name":"cleanup","timeout":900000}}');
  assert.equal(withTimeout.ok, true);
  const withTaskArgs = parseRequest('{"brood":1,"id":9,"command":"run-task","args":{"name":"cleanup","args":{"days":7}}}');
  assert.deepEqual(withTaskArgs.ok && withTaskArgs.request.args, { name: 'cleanup', args: { days: 7 } });
  const workers = parseRequest('{"brood":1,"id":9,"command":"reload","args":{"workers":true}}');
  assert.deepEqual(workers.ok && workers.request.args, { workers: true });
});

test('the arguments of each command are checked', () => {
  assert.deepEqual(refusal('{"brood":1,"id":5,"command":"run-task"}'), { id: 5, reason: 'run-task needs args.name' });
  assert.deepEqual(refusal('{"brood":1,"id":5,"command":"run-task","args":{"name":""}}'), { id: 5, reason: 'run-task needs args.name' });
  for (const timeout of ['0', '-5', '1.5', '"10"']) {
    assert.deepEqual(
      refusal(`{"brood":1,"id":5,"command":"run-task","args":{"name":"x","timeout":${timeout}}}`),
      { id: 5, reason: 'args.timeout must be a positive integer of ms' },
      timeout,
    );
  }
  assert.deepEqual(refusal('{"brood":1,"id":5,"command":"status","args":{"all":true}}'), {
    id: 5,
    reason: 'takes no arguments, got all',
  });
  assert.deepEqual(refusal('{"brood":1,"id":5,"command":"reload","args":{"workers":"yes"}}'), {
    id: 5,
    reason: 'args.workers must be true or false',
  });
  assert.deepEqual(refusal('{"brood":1,"id":5,"command":"reload","args":{"agent":true}}'), {
    id: 5,
    reason: 'reload takes workers only, got agent',
  });
});

test('a line that is not a JSON object is refused without an id', () => {
  assert.deepEqual(refusal('this is not json'), { id: null, reason: 'not JSON' });
  assert.deepEqual(refusal(''), { id: null, reason: 'not JSON' });
  for (const line of ['null', '42', '"status"', '[1,2]']) assert.deepEqual(refusal(line), { id: null, reason: 'not an object' });
});

test('another control version is refused, with the id when there is one', () => {
  assert.deepEqual(refusal('{"brood":2,"id":4,"command":"status"}'), { id: 4, reason: 'control version 2, expected 1' });
  assert.deepEqual(refusal('{"id":4,"command":"status"}'), { id: 4, reason: 'control version undefined, expected 1' });
  // The version is the number 1, not the string.
  assert.match(refusal('{"brood":"1","id":4,"command":"status"}').reason, /^control version /);
});

test('the id must be a safe integer, which comes back unchanged in the reply', () => {
  for (const id of ['null', '"4"', '1.5', '1e400', '9007199254740993']) {
    assert.deepEqual(refusal(`{"brood":1,"id":${id},"command":"status"}`), { id: null, reason: 'id must be an integer' }, `id ${id}`);
  }
  assert.deepEqual(refusal('{"brood":1,"command":"status"}'), { id: null, reason: 'id must be an integer' });
  const negative = parseRequest('{"brood":1,"id":-7,"command":"status"}');
  assert.equal(negative.ok && negative.request.id, -7, 'any safe integer will do: the CLI picks it');
});

test('an unknown or missing command is refused, naming the known ones', () => {
  const known = 'known: hello, status, stop, reload, run-task, cluster-status';
  assert.deepEqual(refusal('{"brood":1,"id":7,"command":"format-disk"}'), { id: 7, reason: `unknown command "format-disk"; ${known}` });
  assert.deepEqual(refusal('{"brood":1,"id":7}'), { id: 7, reason: `unknown command undefined; ${known}` });
  assert.deepEqual(refusal('{"brood":1,"id":7,"command":["status"]}'), { id: 7, reason: `unknown command ["status"]; ${known}` });
  assert.deepEqual(refusal('{"brood":1,"id":7,"command":"toString"}'), { id: 7, reason: `unknown command "toString"; ${known}` });
});

test('args, when present, must be an object', () => {
  for (const args of ['null', '"cleanup"', '["cleanup"]', '3']) {
    assert.deepEqual(refusal(`{"brood":1,"id":8,"command":"run-task","args":${args}}`), { id: 8, reason: 'args must be an object' }, args);
  }
});
