import { Agent, request } from 'node:http';

/** What a load run saw. */
export interface LoadResult {
  ok: number;
  non2xx: number;
  errors: string[];
  pids: Set<number>;
}

/**
 * Sends requests over `connections` keep-alive connections, each loop
 * sending its next request as soon as the last answered, until `stop()`.
 * Bounded: it also stops by itself after `maxMs`.
 */
export function keepAliveLoad(url: string, connections = 8, maxMs = 30_000, timeoutMs = 5000) {
  return httpLoad(url, { connections, maxMs, keepAlive: true, timeoutMs });
}

/**
 * The same with a fresh connection for every request, as clients without
 * keep-alive (and load balancers' health checks) do: every request is a
 * new connection the master hands to a worker.
 */
export function freshConnectionLoad(url: string, connections = 8, maxMs = 30_000, timeoutMs = 5000) {
  return httpLoad(url, { connections, maxMs, keepAlive: false, timeoutMs });
}

function httpLoad(url: string, options: { connections: number; maxMs: number; keepAlive: boolean; timeoutMs: number }) {
  const { connections, maxMs } = options;
  const agent = options.keepAlive ? new Agent({ keepAlive: true, maxSockets: connections }) : false;
  const result: LoadResult = { ok: 0, non2xx: 0, errors: [], pids: new Set() };
  let running = true;
  const limit = setTimeout(() => {
    running = false;
  }, maxMs);
  const one = () =>
    new Promise<void>((resolve) => {
      const req = request(url, { agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300) {
            result.ok += 1;
            try {
              result.pids.add((JSON.parse(body) as { pid: number }).pid);
            } catch {
              // not JSON: counted, pid unknown
            }
          } else {
            result.non2xx += 1;
          }
          resolve();
        });
      });
      req.setTimeout(options.timeoutMs, () => req.destroy(new Error('request timed out')));
      req.on('error', (error) => {
        result.errors.push(error.message);
        resolve();
      });
      req.end();
    });
  const loops = Array.from({ length: connections }, async () => {
    while (running) await one();
  });
  return {
    result,
    async stop(): Promise<LoadResult> {
      running = false;
      clearTimeout(limit);
      await Promise.all(loops);
      if (agent !== false) agent.destroy();
      return result;
    },
  };
}
