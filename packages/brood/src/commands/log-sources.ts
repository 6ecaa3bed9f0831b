import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The roles whose lines `brood logs --role` keeps. */
export type Role = 'master' | 'agent' | 'worker';

/**
 * One stream of lines: a process's log file with its rotated files, or a
 * daemon's stdout or stderr with its rotated copies. `files` lists them
 * oldest first; the last one is written to now.
 */
export interface LogSource {
  name: string;
  /** The role of every line, for a process's own file; undefined when lines of every role mix. */
  role: Role | undefined;
  files: () => string[];
}

/** `worker-2.13.log`: a process's log file, numbered by pino-roll (a higher number is newer). */
const ROLE_FILE = /^(master|agent|worker-\d+)\.(\d+)\.log$/;

/** The log files of every process in a log folder, one source per process. */
export function roleSources(dir: string): LogSource[] {
  if (!existsSync(dir)) return [];
  const stems = new Set<string>();
  for (const name of readdirSync(dir)) {
    const match = ROLE_FILE.exec(name);
    if (match !== null) stems.add(match[1] as string);
  }
  return [...stems].sort().map((stem) => ({
    name: stem,
    role: (stem.startsWith('worker') ? 'worker' : stem) as Role,
    files: () =>
      readdirSync(dir)
        .map((name) => ROLE_FILE.exec(name))
        .filter((match): match is RegExpExecArray => match !== null && match[1] === stem)
        .sort((a, b) => Number(a[2]) - Number(b[2]))
        .map((match) => join(dir, match[0])),
  }));
}

/** A daemon's output file with its rotated copies (`<file>.<n>`, a higher n is newer), when it exists. */
export function outputSource(file: string, name: string): LogSource[] {
  if (!existsSync(file)) return [];
  const prefix = `${basename(file)}.`;
  const copies = (): string[] =>
    readdirSync(dirname(file))
      .filter((entry) => entry.startsWith(prefix) && /^\d+$/.test(entry.slice(prefix.length)))
      .sort((a, b) => Number(a.slice(prefix.length)) - Number(b.slice(prefix.length)))
      .map((entry) => join(dirname(file), entry));
  return [{ name, role: undefined, files: () => [...copies(), file] }];
}

/** How much of a file is read at a time, from its end. */
const CHUNK = 64 * 1024;

/** The last `count` lines of `file` (fewer when it has fewer), read from its end: memory is bounded by the lines kept. */
export function lastLines(file: string, count: number): string[] {
  if (count <= 0) return [];
  const fd = openSync(file, 'r');
  try {
    let position = statSync(file).size;
    let tail = Buffer.alloc(0);
    let lines: string[] = [];
    while (position > 0) {
      const length = Math.min(CHUNK, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      readSync(fd, chunk, 0, length, position);
      tail = Buffer.concat([chunk, tail]);
      lines = tail.toString('utf8').split('\n');
      // The first piece may be the end of a line that started before: only whole lines count until the file's start.
      if (lines.length - 2 >= count) break;
    }
    if (lines.at(-1) === '') lines.pop();
    if (position > 0) lines.shift();
    return lines.slice(-count);
  } finally {
    closeSync(fd);
  }
}

/** The last `count` lines of a source, across its rotated files when the newest holds fewer. */
export function sourceTail(source: LogSource, count: number): string[] {
  const lines: string[] = [];
  for (const file of source.files().reverse()) {
    if (lines.length >= count) break;
    lines.unshift(...lastLines(file, count - lines.length));
  }
  return lines;
}
