const { tmpdir } = require('node:os');
const { join } = require('node:path');

module.exports = {
  keys: 'bench',
  logger: { dir: join(tmpdir(), 'egg-bench-logs'), consoleLevel: 'NONE' },
  security: { csrf: { enable: false } },
  // Bound to the loopback, as every system of the benchmark.
  cluster: { listen: { hostname: '127.0.0.1' } },
};
