/**
 * The HTTP load generator: wrk, one thread, keep-alive connections. wrk is
 * C and costs a fraction of the server it loads; autocannon, on Node, took
 * about as much CPU as the servers on a 2-core machine and squeezed the
 * ratios between them. wrk is installed with apt-get when missing (as root);
 * where that fails, autocannon is used, and the page says which it was.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('wrk-report.lua', import.meta.url));

function wrkVersion() {
  let out;
  try {
    out = execFileSync('wrk', ['-v'], { stdio: 'pipe', encoding: 'utf8' });
  } catch (error) {
    // ENOENT: not installed. Otherwise `wrk -v` printed its version and exited 1, as it does.
    if (error.code === 'ENOENT') return null;
    out = String(error.stdout ?? '');
  }
  return /wrk\s+(\S+)/.exec(out)?.[1] ?? 'unknown';
}

function installWrk(log) {
  if (process.getuid?.() !== 0) return false;
  log('installing wrk (apt-get install -y wrk) …');
  try {
    execFileSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq wrk'], { stdio: 'ignore', timeout: 240_000 });
    return true;
  } catch {
    return false;
  }
}

/** Runs wrk for `seconds` against `url`; resolves with req/s, p99 and errors. */
function runWrk(url, seconds, connections) {
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '5s', '-s', script, url], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      err += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('{"requests"'));
      if (code !== 0 || line === undefined) {
        reject(new Error(`wrk exited with ${code}: ${err.trim() || out.trim()}`));
        return;
      }
      const r = JSON.parse(line);
      resolve({
        reqPerSec: r.requests / (r.durationUs / 1e6),
        requests: r.requests,
        p50Ms: r.p50Us / 1000,
        p99Ms: r.p99Us / 1000,
        maxMs: r.maxUs / 1000,
        errors: r.socketErrors + r.non2xx,
      });
    });
  });
}

function runAutocannon(autocannon, url, seconds, connections) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: seconds, pipelining: 1 }, (error, r) => {
      if (error) reject(error);
      else
        resolve({
          reqPerSec: r.requests.total / (r.duration || seconds),
          requests: r.requests.total,
          p50Ms: r.latency.p50,
          p99Ms: r.latency.p99,
          maxMs: r.latency.max,
          errors: r.errors + r.non2xx,
        });
    });
  });
}

/**
 * The load generator of this run: `{ name, version, run(url, seconds) }`,
 * `run` resolving with `{ reqPerSec, requests, p50Ms, p99Ms, maxMs, errors }`.
 * Set BENCH_LOADER=autocannon to force the fallback.
 */
export function loadGenerator({ connections = 50, log = () => {} } = {}) {
  if (process.env.BENCH_LOADER !== 'autocannon') {
    let version = wrkVersion();
    if (version === null && installWrk(log)) version = wrkVersion();
    if (version !== null) {
      return { name: 'wrk', version, command: `wrk -t1 -c${connections}`, run: (url, seconds) => runWrk(url, seconds, connections) };
    }
    log('wrk is not available: falling back to autocannon');
  }
  const require = createRequire(import.meta.url);
  const autocannon = require('autocannon');
  const { version } = require('autocannon/package.json');
  return {
    name: 'autocannon',
    version,
    command: `autocannon -c ${connections}`,
    run: (url, seconds) => runAutocannon(autocannon, url, seconds, connections),
  };
}
