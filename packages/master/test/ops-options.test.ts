/**
 * The operator's settings (docs/operations.md): sizes of maxMemory, probe
 * paths, the management port and metrics, each refused with one line
 * naming the option when wrong. The master does not export these: imported
 * from its source.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type OperationsOptions, parseBytes, resolveOperations } from '../src/ops/ops-options.js';

const resolve = (options: OperationsOptions) => resolveOperations((key) => options[key]);

test('maxMemory takes bytes or a size in units of 1024', () => {
  assert.equal(parseBytes('maxMemory', 1000), 1000);
  assert.equal(parseBytes('maxMemory', '512MB'), 512 * 1024 * 1024);
  assert.equal(parseBytes('maxMemory', '300m'), 300 * 1024 * 1024);
  assert.equal(parseBytes('maxMemory', '1.5G'), 1.5 * 1024 ** 3);
  assert.equal(parseBytes('maxMemory', ' 64 kb '), 64 * 1024);
  assert.equal(parseBytes('maxMemory', '2048'), 2048);
  for (const bad of ['', 'lots', '12XB', '-5MB', '0', 0, -1, 1.5, Number.NaN]) {
    assert.throws(
      () => parseBytes('maxMemory', bad as string),
      (error: Error & { code?: string }) =>
        error.code === 'ERR_BROOD_BAD_OPTION' && /^maxMemory must be a number of bytes or a size such as '512MB'/.test(error.message),
      `${String(bad)} was accepted`,
    );
  }
});

test('the defaults: probes on the app port, no management port, no metrics, no guards', () => {
  assert.deepEqual(resolve({}), {
    health: { liveness: '/healthz', readiness: '/readyz' },
    readinessDrainDelay: 0,
    management: null,
    metricsPath: null,
    maxMemory: null,
    maxEventLoopBlock: null,
  });
});

test('probes move or switch off; metrics need the management port', () => {
  assert.deepEqual(resolve({ health: false }).health, { liveness: null, readiness: null });
  assert.deepEqual(resolve({ health: { readiness: false, liveness: '/live' } }).health, { liveness: '/live', readiness: null });
  const ops = resolve({ managementPort: 9464, managementHost: '127.0.0.1', metrics: { path: '/prom' }, maxEventLoopBlock: 500 });
  assert.deepEqual(ops.management, { port: 9464, host: '127.0.0.1' });
  assert.equal(ops.metricsPath, '/prom');
  assert.equal(ops.maxEventLoopBlock, 500);
  assert.equal(resolve({ managementPort: 0, metrics: true }).metricsPath, '/metrics');
});

test('each wrong setting is one line naming it', () => {
  const cases: Array<[OperationsOptions, RegExp]> = [
    [{ metrics: true }, /^metrics are served on the management port: set managementPort too/],
    [{ health: { liveness: 'healthz' } }, /^health\.liveness must be a path such as \/healthz, or false; got "healthz"$/],
    [{ health: { readiness: '/ready?x' } }, /^health\.readiness must be a path/],
    [{ health: { liveness: '/h', readiness: '/h' } }, /^health\.liveness and health\.readiness are both \/h$/],
    [{ health: 'yes' as never }, /^health must be an object or false/],
    [{ managementPort: 70000 }, /^managementPort must be a port from 0 to 65535, got 70000$/],
    [{ managementPort: 9464, metrics: { path: '/readyz' } }, /^metrics\.path \/readyz is also a health probe path$/],
    [{ readinessDrainDelay: -1 }, /^readinessDrainDelay must be a whole number of ms, at least 0; got -1$/],
    [{ maxEventLoopBlock: 10 }, /^maxEventLoopBlock must be a whole number of ms, at least 100; got 10$/],
    [{ maxMemory: 'a lot' }, /^maxMemory must be a number of bytes/],
  ];
  for (const [options, message] of cases) {
    assert.throws(
      () => resolve(options),
      (error: Error & { code?: string }) => error.code === 'ERR_BROOD_BAD_OPTION' && message.test(error.message),
      JSON.stringify(options),
    );
  }
});
