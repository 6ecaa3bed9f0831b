import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** The inodes of the listening TCP sockets on `port` (IPv4 and IPv6), from /proc/net. */
export function listeningInodes(port: number): Set<string> {
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
      const state = fields[3];
      if (state === '0A' && Number.parseInt(local.split(':')[1] ?? '', 16) === port) inodes.add(fields[9] as string);
    }
  }
  return inodes;
}

/** True when process `pid` holds a file descriptor on one of `inodes`. */
export function holdsSocket(pid: number, inodes: Set<string>): boolean {
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match !== null && inodes.has(match[1] as string)) return true;
    } catch {
      // the descriptor closed meanwhile
    }
  }
  return false;
}
