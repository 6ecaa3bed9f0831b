/**
 * Inspector ports of the master's children, the pure rules: which flags
 * mean an inspector, which port each role and slot keeps, and what the
 * agent's and the workers' execArgv become. test/inspect.test.ts checks
 * the ports a real cluster under `--inspect` opens.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { agentExecArgv, inspectPort, usesInspector, workerExecArgv } from '@brood/master';

describe('inspector ports', () => {
  test('found in the arguments or in NODE_OPTIONS, in every form', () => {
    for (const flag of [
      '--inspect',
      '--inspect=9300',
      '--inspect=0.0.0.0:9300',
      '--inspect-brk',
      '--inspect-wait=9300',
      '--inspect-port=9300',
    ]) {
      assert.equal(usesInspector([flag], ''), true, flag);
    }
    assert.equal(usesInspector(['--enable-source-maps'], ''), false);
    assert.equal(usesInspector([], '--max-old-space-size=512 --inspect'), true);
    assert.equal(usesInspector([], '--inspector-not-a-flag'), false);
  });

  test('the agent takes port + 1, worker n port + 1 + n; port 0 stays 0', () => {
    assert.equal(inspectPort('agent', 0, 9229), 9230);
    assert.equal(inspectPort('worker', 1, 9229), 9231);
    assert.equal(inspectPort('worker', 4, 9229), 9234);
    assert.equal(inspectPort('worker', 3, 0), 0);
  });

  test("the agent's execArgv ends with its own port; without an inspector it is the master's", () => {
    assert.deepEqual(agentExecArgv(['--inspect=0.0.0.0:9300', '--enable-source-maps'], 9300), [
      '--inspect=0.0.0.0:9300',
      '--enable-source-maps',
      '--inspect-port=9301',
    ]);
    const saved = process.env.NODE_OPTIONS;
    delete process.env.NODE_OPTIONS;
    try {
      assert.deepEqual(agentExecArgv(['--enable-source-maps'], 9229), ['--enable-source-maps']);
      assert.deepEqual(workerExecArgv(['--enable-source-maps'], 9229), ['--enable-source-maps']);
      // A flag in execArgv is one Node's cluster sees already: nothing is added.
      assert.deepEqual(workerExecArgv(['--inspect'], 9229), ['--inspect']);
      // Inspected through NODE_OPTIONS alone: the workers get a flag, so that cluster gives each a port.
      process.env.NODE_OPTIONS = '--inspect=127.0.0.1:9400';
      assert.deepEqual(workerExecArgv([], 9400), ['--inspect-port=9400']);
      assert.deepEqual(agentExecArgv([], 9400), ['--inspect-port=9401']);
    } finally {
      if (saved === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = saved;
    }
  });
});
