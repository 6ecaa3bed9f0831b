const { tmpdir } = require('node:os');
const { join } = require('node:path');

module.exports = {
  keys: 'bench',
  logger: { dir: join(tmpdir(), 'egg-bench-logs'), consoleLevel: 'NONE' },
  // Egg's default (on) for the Egg column. On, egg-security's csrf makes a secret and a
  // Set-Cookie for every request that brings no cookie, as a first visit does; the load
  // generator never sends one back. EGG_BENCH_CSRF=off is the 'Egg 3, csrf off' figure:
  // the same work as the other systems, none of which has csrf protection.
  security: { csrf: { enable: process.env.EGG_BENCH_CSRF !== 'off' } },
  // Bound to the loopback, as every system of the benchmark.
  cluster: { listen: { hostname: '127.0.0.1' } },
};
