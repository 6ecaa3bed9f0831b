/** What /proc says about the processes of a scenario: memory, connections, who is still there. */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { type Cluster, isAlive, type LogLine } from '../../helpers/cluster.js';
import { socketsOf, tcpInodes } from '../../helpers/sockets.js';

/** Resident memory of `pid` in bytes; 0 when it is gone. */
export function rssOf(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kb ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** Samples the RSS of `pid` every `everyMs` until `stop()`, which returns the highest and the last. */
export function sampleRss(pid: number, everyMs = 25): { stop(): { peak: number; last: number; samples: number } } {
  let peak = rssOf(pid);
  let last = peak;
  let samples = 1;
  const timer = setInterval(() => {
    const now = rssOf(pid);
    if (now === 0) return;
    last = now;
    peak = Math.max(peak, now);
    samples += 1;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return { peak, last, samples };
    },
  };
}

/**
 * How many client connections to `port` process `pid` holds: under a load
 * that keeps every connection busy, the requests in flight on it, which a
 * SIGKILL of that process can cost.
 */
export function connectionsOf(pid: number, port: number): number {
  const established = tcpInodes(port, 'established');
  return socketsOf(pid).filter((inode) => established.has(inode)).length;
}

/** The pids among `pids` still alive. */
export const alive = (pids: Iterable<number>): number[] => [...pids].filter(isAlive);

/** Kills whatever of `pids` is alive (the grandchildren a scenario made): nothing outlives a test. */
export function killPids(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** The workers the master last announced (in its `ready` lines), or the ones it started with. */
export function currentWorkers(cluster: Cluster, initial: number[]): number[] {
  let workers = initial;
  for (const line of cluster.lines) {
    const peers = line.peers as { workers?: number[] } | undefined;
    if (line.role === 'master' && Array.isArray(peers?.workers)) workers = peers.workers;
  }
  return workers;
}

/** The pids the master reported as exited unexpectedly, in the lines from `from` on. */
export function unexpectedExits(cluster: Cluster, from = 0): number[] {
  return cluster.lines
    .slice(from)
    .filter((l: LogLine) => l.role === 'master' && /exited unexpectedly/.test(l.msg ?? ''))
    .map((l) => Number(/(?:pid |agent )(\d+)/.exec(l.msg ?? '')?.[1]));
}

/** Waits for the next `worker … ready` (or `agent … ready`) line of the master from `from` on. */
export function nextReady(cluster: Cluster, role: 'worker' | 'agent', from: number, timeout = 15_000): Promise<LogLine> {
  const pattern = role === 'worker' ? /^worker \d+ \(pid \d+\) ready$/ : /^agent \d+ ready$/;
  return cluster.waitFor((l) => l.role === 'master' && pattern.test(l.msg ?? ''), `a ${role} ready`, timeout, from);
}

/**
 * Resolves once every line the master logged so far has been read: the
 * master logs each control command it runs, in order with its other lines,
 * so the line of a `hello` sent now comes after all of them.
 */
export async function masterLogRead(cluster: Cluster): Promise<void> {
  const from = cluster.lines.length;
  await new Promise<void>((resolve, reject) => {
    const client = connect(`${cluster.dir}/run/${cluster.title}.sock`);
    client.setEncoding('utf8');
    client.once('data', () => {
      client.end();
      resolve();
    });
    client.once('error', reject);
    client.write(`${JSON.stringify({ brood: 1, id: 1, command: 'hello' })}\n`);
  });
  await cluster.waitFor((l) => l.role === 'master' && l.msg === 'control: hello', 'the master`s log line of hello', 15_000, from);
}
