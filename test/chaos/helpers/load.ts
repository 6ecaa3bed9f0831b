/**
 * HTTP load for the chaos scenarios: wrk when it is installed (it keeps its
 * connections busy with the least CPU of its own, which matters on two
 * cores), else autocannon (a devDependency). The load runs until `stop()`
 * — the scenario decides how long — and never past `maxSeconds`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';

/** What one load run saw. */
export interface LoadFigures {
  tool: string;
  connections: number;
  seconds: number;
  /** Responses received, whatever their status. */
  responses: number;
  /** Requests that got no response: the connection failed, was reset, or timed out. */
  errors: { connect: number; read: number; write: number; timeout: number };
  non2xx: number;
  /** Every request that did not end in a 2xx or 3xx: errors and non-2xx answers. */
  failed: number;
  rps: number;
  latencyMs: { p50: number; p99: number };
}

/** A running load. */
export interface Load {
  stop(): Promise<LoadFigures>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** `wrk 4.1.0` when wrk is on PATH (and BROOD_CHAOS_LOAD does not ask for autocannon); undefined otherwise. */
export const WRK: string | undefined = (() => {
  if (process.env.BROOD_CHAOS_LOAD === 'autocannon') return undefined;
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined) return undefined;
  return /wrk \S+ ?[\d.]*/.exec(`${probe.stdout}${probe.stderr}`)?.[0]?.trim() ?? 'wrk';
})();

/** Which tool runs the load, with its version. */
export function loadTool(): string {
  if (WRK !== undefined) return WRK;
  const require = createRequire(import.meta.url);
  return `autocannon ${(require('autocannon/package.json') as { version: string }).version}`;
}

/** Starts `connections` keep-alive connections of GET `url`, each sending its next request as soon as the last is answered. */
export function startLoad(url: string, options: { connections?: number; maxSeconds?: number; timeoutSeconds?: number } = {}): Load {
  const connections = options.connections ?? 16;
  const maxSeconds = options.maxSeconds ?? 60;
  // Long enough that a slow answer on a busy machine is not counted as a failure; a lost one still is.
  const timeoutSeconds = options.timeoutSeconds ?? 10;
  return WRK === undefined
    ? startAutocannon(url, connections, maxSeconds, timeoutSeconds)
    : startWrk(url, connections, maxSeconds, timeoutSeconds);
}

function ms(value: string, unit: string): number {
  const n = Number(value);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n;
}

/** Reads wrk's summary. */
export function parseWrk(text: string, connections: number): LoadFigures {
  const num = (re: RegExp): number => Number(re.exec(text)?.[1] ?? 0);
  const latency = (q: string): number => {
    const match = new RegExp(`^\\s*${q}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(text);
    return match === null ? 0 : ms(match[1] as string, match[2] as string);
  };
  const sockets = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const errors = {
    connect: Number(sockets?.[1] ?? 0),
    read: Number(sockets?.[2] ?? 0),
    write: Number(sockets?.[3] ?? 0),
    timeout: Number(sockets?.[4] ?? 0),
  };
  const non2xx = num(/Non-2xx or 3xx responses: (\d+)/);
  return {
    tool: WRK ?? 'wrk',
    connections,
    seconds: num(/requests in ([\d.]+)s/),
    responses: num(/(\d+) requests in/),
    errors,
    non2xx,
    failed: errors.connect + errors.read + errors.write + errors.timeout + non2xx,
    rps: Math.round(num(/Requests\/sec:\s+([\d.]+)/)),
    latencyMs: { p50: latency('50'), p99: latency('99') },
  };
}

function startWrk(url: string, connections: number, maxSeconds: number, timeoutSeconds: number): Load {
  // One thread: on two cores the app needs the other one more than wrk does.
  const child = spawn('wrk', ['-t1', `-c${connections}`, `-d${maxSeconds}s`, `--timeout`, `${timeoutSeconds}s`, '--latency', url], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  const exited = once(child, 'exit');
  return {
    async stop() {
      // SIGINT: wrk stops and prints its summary of what ran so far.
      if (child.exitCode === null) child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      running.delete(child);
      return parseWrk(text, connections);
    },
  };
}

interface AutocannonResult {
  duration: number;
  requests: { total: number; average: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

function startAutocannon(url: string, connections: number, maxSeconds: number, timeoutSeconds: number): Load {
  const autocannon = createRequire(import.meta.url)('autocannon') as (
    options: object,
    done: (error: Error | null, result: AutocannonResult) => void,
  ) => { stop(): void };
  let settle: (result: AutocannonResult) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const result = new Promise<AutocannonResult>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  const instance = autocannon({ url, connections, duration: maxSeconds, timeout: timeoutSeconds }, (error, value) =>
    error === null ? settle(value) : fail(error),
  );
  return {
    async stop() {
      instance.stop();
      const r = await result;
      const errors = { connect: 0, read: r.errors - r.timeouts, write: 0, timeout: r.timeouts };
      return {
        tool: loadTool(),
        connections,
        seconds: r.duration,
        responses: r.requests.total,
        errors,
        non2xx: r.non2xx,
        failed: r.errors + r.non2xx,
        rps: Math.round(r.requests.total / Math.max(r.duration, 0.001)),
        latencyMs: { p50: r.latency.p50, p99: r.latency.p99 },
      };
    },
  };
}
