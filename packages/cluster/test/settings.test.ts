/** Cluster settings: the URL forms Redis users write, the defaults, and one readable line for each mistake. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseClusterSettings, redactUrl } from '@brood/cluster';

const parse = (options: unknown, env: NodeJS.ProcessEnv = {}, packageName: string | undefined = 'shop') =>
  parseClusterSettings(options, { env, packageName });

function refused(options: unknown, code: string, pattern: RegExp, env: NodeJS.ProcessEnv = {}): void {
  assert.throws(
    () => parse(options, env),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, code);
      assert.match(error.message, pattern);
      assert.ok(!error.message.includes('\n'), `one line: ${error.message}`);
      return true;
    },
  );
}

test('without a URL anywhere, or with cluster: false, cluster mode is off', () => {
  assert.equal(parse(undefined), undefined);
  assert.equal(parse({ name: 'x' }), undefined);
  assert.equal(parse({}, { BROOD_REDIS_URL: '' }), undefined);
  assert.equal(parse(false, { BROOD_REDIS_URL: 'redis://r:6379' }), undefined);
});

test('defaults: package name, brood: prefix, required, 10 s lease and instance TTL', () => {
  const settings = parse({}, { BROOD_REDIS_URL: 'redis://cache.internal' });
  assert.ok(settings);
  assert.deepEqual(settings.endpoint, { host: 'cache.internal', port: 6379, db: 0 });
  assert.equal(settings.name, 'shop');
  assert.equal(settings.prefix, 'brood:');
  assert.equal(settings.required, true);
  assert.equal(settings.leaseTtl, 10_000);
  assert.equal(settings.instanceTtl, 10_000);
});

test('redis:// with user, password, port and database; the password never shows', () => {
  const settings = parse('redis://app:s%40cret@10.0.0.7:6380/3');
  assert.ok(settings);
  assert.deepEqual(settings.endpoint, { host: '10.0.0.7', port: 6380, db: 3, username: 'app', password: 's@cret' });
  assert.equal(settings.where, 'redis://app:***@10.0.0.7:6380/3');
  assert.equal(parse('redis://:pw@h')?.endpoint.password, 'pw');
  assert.equal(parse('redis://:pw@h')?.endpoint.username, undefined);
});

test('rediss:// turns TLS on with the host as server name; cluster.tls adds to it', () => {
  const settings = parse({ url: 'rediss://:pw@redis.example.com:6380', tls: { rejectUnauthorized: false } });
  assert.deepEqual(settings?.endpoint.tls, { servername: 'redis.example.com', rejectUnauthorized: false });
  assert.equal(parse('redis://h')?.endpoint.tls, undefined);
  refused({ url: 'redis://h', tls: {} }, 'ERR_BROOD_CLUSTER_BAD_OPTIONS', /not a rediss:\/\/ URL/);
});

test('IPv6 hosts lose their brackets', () => {
  assert.equal(parse('redis://[::1]:7000')?.endpoint.host, '::1');
});

test('BROOD_REDIS_URL wins over cluster.url; name, prefix and required still come from the options', () => {
  const settings = parse(
    { url: 'redis://from-file', name: 'orders', prefix: 'p:', required: false },
    { BROOD_REDIS_URL: 'redis://from-env:7000' },
  );
  assert.equal(settings?.endpoint.host, 'from-env');
  assert.equal(settings?.name, 'orders');
  assert.equal(settings?.prefix, 'p:');
  assert.equal(settings?.required, false);
});

test('a bad URL is refused in one line that names the setting, and hides the password', () => {
  refused({}, 'ERR_BROOD_CLUSTER_BAD_URL', /^BROOD_REDIS_URL "localhost:6379" uses localhost:\/\//, { BROOD_REDIS_URL: 'localhost:6379' });
  refused('http://h:6379', 'ERR_BROOD_CLUSTER_BAD_URL', /^cluster.url "http:\/\/h:6379" uses http:\/\/; expected redis:\/\//);
  refused('not a url', 'ERR_BROOD_CLUSTER_BAD_URL', /is not a URL/);
  refused('redis://', 'ERR_BROOD_CLUSTER_BAD_URL', /names no host/);
  refused('redis://h:99999', 'ERR_BROOD_CLUSTER_BAD_URL', /is not a URL/);
  refused('redis://h:0', 'ERR_BROOD_CLUSTER_BAD_URL', /port 0/);
  refused('redis://h/cache', 'ERR_BROOD_CLUSTER_BAD_URL', /database "cache", not a number/);
  refused('redis://h?family=6', 'ERR_BROOD_CLUSTER_BAD_URL', /query or fragment/);
  refused('redis://:hunter2@h/x', 'ERR_BROOD_CLUSTER_BAD_URL', /:\*\*\*@h/);
  assert.throws(
    () => parse('redis://:hunter2@h/x'),
    (error: Error) => !error.message.includes('hunter2'),
  );
  assert.equal(redactUrl('redis//:hunter2@h'), 'redis//:***@h');
  assert.equal(redactUrl('redis://u:p/a@ss@h:1/2'), 'redis://u:***@h:1/2');
  assert.equal(redactUrl('redis://h:1/2'), 'redis://h:1/2');
});

test('bad options are refused in one line naming the option', () => {
  refused({ url: 'redis://h', nme: 'x' }, 'ERR_BROOD_CLUSTER_BAD_OPTIONS', /unknown cluster option nme; known: url, name/);
  refused({ url: 'redis://h', name: 'has space' }, 'ERR_BROOD_CLUSTER_BAD_OPTIONS', /cluster.name must be/);
  refused({ url: 'redis://h', prefix: 'a b' }, 'ERR_BROOD_CLUSTER_BAD_OPTIONS', /cluster.prefix must be/);
  refused({ url: 'redis://h', required: 'no' }, 'ERR_BROOD_CLUSTER_BAD_OPTIONS', /cluster.required must be true or false/);
  refused({ url: 'redis://h', leaseTtl: '1ms' }, 'ERR_BROOD_CLUSTER_BAD_OPTIONS', /cluster.leaseTtl must be a duration/);
  refused({ url: 'redis://h', instanceTtl: 'soon' }, 'ERR_BROOD_CLUSTER_BAD_OPTIONS', /cluster.instanceTtl/);
  refused(42, 'ERR_BROOD_CLUSTER_BAD_OPTIONS', /cluster must be a Redis URL or an object/);
  assert.equal(parse({ url: 'redis://h', leaseTtl: '3s' })?.leaseTtl, 3000);
  assert.equal(parse({ url: 'redis://h', name: '@acme/shop.api' })?.name, '@acme/shop.api');
});

test('the cluster name defaults to the package name; without one it must be set', () => {
  assert.throws(
    () => parseClusterSettings('redis://h', { env: {} }),
    (error: Error & { code?: string }) => error.code === 'ERR_BROOD_CLUSTER_BAD_OPTIONS' && /cluster.name is needed/.test(error.message),
  );
  assert.equal(parseClusterSettings({ url: 'redis://h', name: 'x' }, { env: {} })?.name, 'x');
});
