/**
 * `check()`, the gate every value read from an IPC channel passes: a
 * malformed value yields one reason to log, never a throw.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { check, PROTOCOL_VERSION, preview } from '@brood/messenger';

const from = { role: 'worker', pid: 201 };
const action = { brood: PROTOCOL_VERSION, type: 'action', action: 'todo:add', data: { id: 1 }, from, to: 'agent' };
const reply = { brood: PROTOCOL_VERSION, type: 'reply', ack: 7, from, to: 101, ok: true, data: 'done' };

/** The reason `check` gives, or `'ok'`. */
function reasonOf(value: unknown): string {
  const checked = check(value);
  return checked.ok ? 'ok' : checked.reason;
}

test('a well-formed envelope of every type passes, and comes back as the same object', () => {
  const peers = { agent: 101, workers: [201, 202] };
  const valid = [
    action,
    { ...action, to: 'app' },
    { ...action, to: 'all' },
    { ...action, to: 'random' },
    { ...action, to: 202, seq: 3 },
    reply,
    { ...reply, ok: false, error: { code: 'ERR_BROOD_HANDLER_FAILED', message: 'boom' } },
    { brood: 1, type: 'agent:ready' },
    { brood: 1, type: 'worker:ready', address: { address: '127.0.0.1', port: 7001, family: 'IPv4' } },
    { brood: 1, type: 'boot:failed', error: { code: 'ERR_BROOD_HOOK_FAILED', message: 'no db' } },
    { brood: 1, type: 'app:ready', peers },
    { brood: 1, type: 'app:stopping' },
    { brood: 1, type: 'peers:changed', peers },
    { brood: 1, type: 'process:close', timeout: 5000 },
    { brood: 1, type: 'process:drained' },
    { brood: 1, type: 'process:drained-ack' },
    { brood: 1, type: 'process:exiting', code: 0 },
    { brood: 1, type: 'batch', messages: [action, reply] },
    { brood: 1, type: 'batch', messages: [] },
  ];
  for (const value of valid) {
    const checked = check(value);
    assert.equal(checked.ok, true, `${JSON.stringify(value)}: ${reasonOf(value)}`);
    assert.equal(checked.ok && checked.envelope, value);
  }
});

test('what is not a Brood envelope of this version is named as such', () => {
  for (const value of [null, undefined, 42, 'action', [action]]) assert.equal(reasonOf(value), 'not an object');
  assert.equal(reasonOf({ type: 'action' }), 'no brood marker');
  assert.equal(reasonOf({ ...action, brood: 2 }), 'protocol version 2, expected 1');
  assert.match(reasonOf({ ...action, brood: '1' }), /^protocol version /, 'the version is a number, not a string');
  assert.equal(reasonOf({ brood: 1 }), 'unknown type undefined');
  assert.equal(reasonOf({ brood: 1, type: 'format-disk' }), 'unknown type "format-disk"');
});

test('an action needs a name, a sender, a target and, for a request, a positive seq', () => {
  assert.equal(reasonOf({ ...action, action: '' }), 'action must be a non-empty string');
  assert.equal(reasonOf({ ...action, action: 7 }), 'action must be a non-empty string');
  assert.equal(reasonOf({ ...action, from: undefined }), 'from must be { role, pid }');
  assert.equal(reasonOf({ ...action, from: { role: 'admin', pid: 1 } }), 'from must be { role, pid }');
  assert.equal(reasonOf({ ...action, from: { role: 'worker', pid: -1 } }), 'from must be { role, pid }');
  assert.equal(reasonOf({ ...action, from: { role: 'worker', pid: 1.5 } }), 'from must be { role, pid }');
  for (const to of ['workers', 0, -3, 2.5, null, undefined]) {
    assert.equal(reasonOf({ ...action, to }), 'to must be agent, app, all, random or a pid', `to: ${String(to)}`);
  }
  for (const seq of [0, -1, 1.5, '3']) assert.equal(reasonOf({ ...action, seq }), 'seq must be a positive integer', `seq: ${seq}`);
});

test('retain is true, on a message to app or all that is not a request', () => {
  assert.equal(reasonOf({ ...action, to: 'app', retain: true }), 'ok');
  assert.equal(reasonOf({ ...action, to: 'all', retain: true }), 'ok');
  const wrong = 'retain must be true, on a message to app or all that is not a request';
  for (const bad of [
    { to: 'app', retain: false },
    { to: 'app', retain: 1 },
    { to: 'agent', retain: true },
    { to: 'random', retain: true },
    { to: 201, retain: true },
    { to: 'app', retain: true, seq: 3 },
  ]) {
    assert.equal(reasonOf({ ...action, ...bad }), wrong, JSON.stringify(bad));
  }
});

test('a reply needs an ack, a sender, a pid to go to, ok, and an error when it failed', () => {
  assert.equal(reasonOf({ ...reply, ack: 0 }), 'ack must be a positive integer');
  assert.equal(reasonOf({ ...reply, from: { pid: 201 } }), 'from must be { role, pid }');
  assert.equal(reasonOf({ ...reply, to: 'agent' }), 'to must be a pid', 'a reply goes to the process that asked');
  assert.equal(reasonOf({ ...reply, ok: 'yes' }), 'ok must be a boolean');
  assert.equal(reasonOf({ ...reply, ok: false }), 'a failed reply needs error { code, message }');
  assert.equal(reasonOf({ ...reply, ok: false, error: { message: 'boom' } }), 'a failed reply needs error { code, message }');
});

test('the handshake and supervision messages need their fields', () => {
  assert.equal(reasonOf({ brood: 1, type: 'worker:ready' }), 'address must be { address, port, family }');
  assert.equal(reasonOf({ brood: 1, type: 'worker:ready', address: { port: '7001' } }), 'address must be { address, port, family }');
  assert.equal(reasonOf({ brood: 1, type: 'boot:failed', error: 'no db' }), 'error must be { code, message }');
  for (const type of ['app:ready', 'peers:changed']) {
    assert.equal(reasonOf({ brood: 1, type }), 'peers must be { agent, workers }');
    assert.equal(reasonOf({ brood: 1, type, peers: { agent: 1, workers: 2 } }), 'peers must be { agent, workers }');
  }
  assert.equal(reasonOf({ brood: 1, type: 'process:close', timeout: '5s' }), 'timeout must be a number');
  assert.equal(reasonOf({ brood: 1, type: 'process:exiting' }), 'code must be a number');
});

test('a batch is checked to its last inner envelope; a batch inside a batch is refused', () => {
  assert.equal(reasonOf({ brood: 1, type: 'batch', messages: action }), 'messages must be an array');
  assert.equal(
    reasonOf({ brood: 1, type: 'batch', messages: [action, { ...action, to: 'nobody' }] }),
    'batched message: to must be agent, app, all, random or a pid',
  );
  const nested = { brood: 1, type: 'batch', messages: [action, { brood: 1, type: 'batch', messages: [reply] }] };
  assert.equal(reasonOf(nested), 'a batch inside a batch');
});

test('a batch nested thousands deep is refused without recursing (no stack overflow)', () => {
  let deep: Record<string, unknown> = { ...action };
  for (let i = 0; i < 100_000; i++) deep = { brood: 1, type: 'batch', messages: [deep] };
  assert.equal(reasonOf(deep), 'a batch inside a batch');
});

test('a call names a known method, one target and a seq', () => {
  const call = { brood: 1, type: 'call', method: 'task:list', args: null, from: { role: 'master', pid: 1 }, to: 'agent', seq: 3 };
  assert.equal(check(call).ok, true);
  assert.equal(reasonOf({ ...call, method: 'task:nope' }), 'unknown call "task:nope"');
  assert.equal(reasonOf({ ...call, to: 'app' }), 'to must be agent, random or a pid');
  assert.equal(reasonOf({ ...call, seq: undefined }), 'seq must be a positive integer');
});

test('preview renders a malformed value in at most 200 characters, whatever it is', () => {
  assert.equal(preview({ hello: 1 }), '{"hello":1}');
  assert.equal(preview(undefined), 'undefined');
  const long = preview({ text: 'x'.repeat(1000) });
  assert.equal(long.length, 201);
  assert.ok(long.endsWith('…'));
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  assert.equal(preview(circular), '[object Object]');
  assert.equal(preview(10n), '10', 'a bigint, which JSON cannot render');
});
