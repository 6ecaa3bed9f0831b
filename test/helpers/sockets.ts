import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** TCP states in /proc/net/tcp: LISTEN, ESTABLISHED, and CLOSE_WAIT (the peer closed, this end never did). */
const STATES = { listening: '0A', established: '01', closeWait: '08' } as const;

/** The inodes of the TCP sockets in `state` whose local port is `port` (IPv4 and IPv6), from /proc/net. */
export function tcpInodes(port: number, state: keyof typeof STATES): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const row of text.trim().split('\n').slice(1)) {
      const fields = row.trim().split(/\s+/);
      const local = fields[1] ?? '';
      if (fields[3] === STATES[state] && Number.parseInt(local.split(':')[1] ?? '', 16) === port) inodes.add(fields[9] as string);
    }
  }
  return inodes;
}

/** The inodes of the listening TCP sockets on `port` (IPv4 and IPv6), from /proc/net. */
export function listeningInodes(port: number): Set<string> {
  return tcpInodes(port, 'listening');
}

/** The inodes of the sockets process `pid` holds a file descriptor on; empty when it is gone. */
export function socketsOf(pid: number): string[] {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  const inodes: string[] = [];
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match !== null) inodes.push(match[1] as string);
    } catch {
      // the descriptor closed meanwhile
    }
  }
  return inodes;
}

/** True when process `pid` holds a file descriptor on one of `inodes`. */
export function holdsSocket(pid: number, inodes: Set<string>): boolean {
  return socketsOf(pid).some((inode) => inodes.has(inode));
}
