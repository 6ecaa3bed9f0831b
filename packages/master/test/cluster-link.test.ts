/** When the master loads cluster mode at all: only when the options or BROOD_REDIS_URL ask for it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterAsked } from '@brood/master';

test('cluster mode is asked by an option or BROOD_REDIS_URL, and cluster: false wins over both', () => {
  assert.equal(clusterAsked(undefined, {}), false);
  assert.equal(clusterAsked(undefined, { BROOD_REDIS_URL: '' }), false);
  assert.equal(clusterAsked(undefined, { BROOD_REDIS_URL: 'redis://r' }), true);
  assert.equal(clusterAsked('redis://r', {}), true);
  // Settings without a URL are still read, so that a mistake in them is reported.
  assert.equal(clusterAsked({ name: 'shop' }, {}), true);
  assert.equal(clusterAsked(false, { BROOD_REDIS_URL: 'redis://r' }), false);
});
