import { type Agent, request } from 'node:http';

/** A response as a test sees it. */
export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One HTTP request, on a fresh connection unless an agent is given, so that
 * successive requests are balanced across workers like separate clients;
 * to a Unix socket with `socketPath` (the URL's path is then what counts).
 */
export function get(
  url: string,
  options: { timeout?: number; method?: string; body?: string; headers?: Record<string, string>; agent?: Agent; socketPath?: string } = {},
): Promise<Reply> {
  const timeout = options.timeout ?? 10_000;
  return new Promise((resolve, reject) => {
    const { method = 'GET', headers, socketPath } = options;
    const req = request(
      url,
      { method, agent: options.agent ?? false, headers, ...(socketPath === undefined ? {} : { socketPath }) },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.setTimeout(timeout, () => req.destroy(new Error(`GET ${url} timed out after ${timeout} ms`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** GET and parse JSON. */
export async function getJson<T = unknown>(url: string, timeout?: number): Promise<T> {
  const reply = await get(url, timeout === undefined ? {} : { timeout });
  if (reply.status !== 200) throw new Error(`GET ${url} answered ${reply.status}: ${reply.body}`);
  return JSON.parse(reply.body) as T;
}
