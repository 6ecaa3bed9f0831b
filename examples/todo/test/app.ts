/**
 * Starts the todo app for real (master, agent, two workers on a free port)
 * for a test file, and calls it from the outside, as a client would.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const appDir = fileURLToPath(new URL('..', import.meta.url));
const bin = join(dirname(fileURLToPath(import.meta.resolve('brood'))), '../bin/brood.js');

export interface RunningApp {
  url: string;
  /** The pids of the workers at start-up. */
  workers: number[];
  /** Everything the master printed so far. */
  stdout: string[];
  /** Stops the app gracefully, then makes sure nothing of its tree remains. */
  stop(): Promise<void>;
}

/** Starts the app with 2 workers, env test; rejects after 20 s without its started line. */
export async function startApp(env: Record<string, string>): Promise<RunningApp> {
  const stdout: string[] = [];
  const master: ChildProcess = spawn(
    process.execPath,
    [bin, 'start', appDir, '--port', '0', '--workers', '2', '--env', 'test', '--title', `test-${process.pid}`],
    { detached: true, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
  );
  const stop = async (): Promise<void> => {
    // A graceful stop first, so the app removes its control socket; then nothing of the tree may remain.
    master.kill('SIGTERM');
    await Promise.race([
      new Promise((resolve) => master.once('exit', resolve)),
      // unref: once the master exited, this timer must not keep the test process alive.
      new Promise((resolve) => setTimeout(resolve, 10_000).unref()),
    ]);
    try {
      process.kill(-(master.pid as number), 'SIGKILL');
    } catch {
      // already gone
    }
  };
  try {
    const started = await new Promise<{ url: string; workers: number[] }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no started line within 20 s:\n${stdout.join('')}`)), 20_000);
      master.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        stdout.push(chunk);
        for (const line of stdout.join('').split('\n')) {
          if (!line.includes('"event":"started"')) continue;
          clearTimeout(timer);
          resolve(JSON.parse(line) as { url: string; workers: number[] });
        }
      });
      master.once('exit', (code) => reject(new Error(`brood exited with ${code}:\n${stdout.join('')}`)));
    });
    return { ...started, stdout, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: unknown;
  text: string;
}

/** One request on a fresh connection; times out after 10 s. */
export function call(url: string, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, agent: false, headers: { accept: 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json, text });
      });
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}
