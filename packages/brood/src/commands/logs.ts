import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findAppMarker, noApp, prettyFormatter } from '@brood/core';
import {
  appFolders,
  checkFolder,
  checkPidFile,
  checkTitle,
  DEFAULT_TITLE,
  outputDir,
  type PidFile,
  readPidFile,
  runPaths,
} from '@brood/master';
import { appFolder } from './instance.js';
import { type LogSource, outputSource, type Role, roleSources, sourceTail } from './log-sources.js';
import { out } from './output.js';

/** Flags of `brood logs`. */
export interface LogsFlags {
  follow?: boolean;
  lines?: number;
  role?: Role;
  pretty?: boolean;
  title?: string;
  logDir?: string;
}

/** How often a followed file is looked at for new lines. */
const POLL_MS = 250;
/** The most read from one file in one look, and the longest line kept whole: memory stays bounded. */
const MAX_READ = 1024 * 1024;

type Where = NonNullable<PidFile['logs']>;

/**
 * Where the instance logs: what its pid file says (a running master
 * records its log folder and a daemon's output files there), else what a
 * `brood start --daemon` with these flags would use.
 */
function locate(baseDir: string, title: string, logDir: string | undefined): Where {
  const folders = appFolders(baseDir, logDir === undefined ? {} : { logDir });
  const { pidFile, dir } = runPaths(folders.runDir, baseDir, title);
  if (logDir === undefined && existsSync(dir)) {
    checkFolder(dir, 'the run folder');
    const recorded = checkPidFile(pidFile) === undefined ? undefined : readPidFile(pidFile)?.logs;
    if (recorded !== undefined) return recorded;
  }
  const output = outputDir(baseDir, folders);
  return {
    ...(folders.logDir === undefined ? {} : { dir: folders.logDir }),
    stdout: join(output, `${title}.stdout.log`),
    stderr: join(output, `${title}.stderr.log`),
  };
}

function sourcesOf(where: Where): LogSource[] {
  return [
    ...(where.dir === undefined ? [] : roleSources(where.dir)),
    ...(where.stdout === undefined ? [] : outputSource(where.stdout, 'stdout')),
    ...(where.stderr === undefined ? [] : outputSource(where.stderr, 'stderr')),
  ];
}

/** A line with what is needed to merge and filter it. */
interface Line {
  text: string;
  time: number;
  role: string | undefined;
}

/** Reads the time and role of JSON lines; another line takes the time of the line before it in its source. */
function parse(texts: string[], source: LogSource, since: number): Line[] {
  let time = since;
  return texts.map((text) => {
    let role = source.role as string | undefined;
    if (text.startsWith('{')) {
      try {
        const json = JSON.parse(text) as { time?: unknown; role?: unknown };
        if (typeof json.time === 'number') time = json.time;
        if (role === undefined && typeof json.role === 'string') role = json.role;
      } catch {
        // not a log line: printed as it is
      }
    }
    return { text, time, role };
  });
}

/** Merges the lines of several sources by time (stable: a source's own order is kept) and keeps those of `role`. */
function merge(lines: Line[], role: Role | undefined): Line[] {
  return lines.filter((line) => role === undefined || line.role === role).sort((a, b) => a.time - b.time);
}

/**
 * The last `count` lines of `role` in a source: where roles mix, more lines
 * are read until enough are of that role or the source has no more.
 */
function lastOf(source: LogSource, count: number, role: Role | undefined): Line[] {
  for (let want = count; ; want *= 4) {
    const lines = parse(sourceTail(source, want), source, 0);
    const kept = merge(lines, role);
    if (kept.length >= count || lines.length < want) return kept.slice(-count);
  }
}

/** Where a followed source stands: the file read and how far, and the newest rotated file then. */
interface Cursor {
  file: string;
  offset: number;
  partial: string;
  before: string | undefined;
}

/** New whole lines of `file` from `cursor` on; the cursor moves past them. */
function readNew(cursor: Cursor): string[] {
  let size: number;
  try {
    size = statSync(cursor.file).size;
  } catch {
    return [];
  }
  // Smaller than where we were: it was emptied by a rotation (copy, then truncate). Start again at its top.
  if (size < cursor.offset) Object.assign(cursor, { offset: 0, partial: '' });
  if (size === cursor.offset) return [];
  const length = Math.min(MAX_READ, size - cursor.offset);
  const buffer = Buffer.alloc(length);
  const fd = openSync(cursor.file, 'r');
  try {
    readSync(fd, buffer, 0, length, cursor.offset);
  } finally {
    closeSync(fd);
  }
  cursor.offset += length;
  const pieces = (cursor.partial + buffer.toString('utf8')).split('\n');
  cursor.partial = pieces.pop() ?? '';
  if (cursor.partial.length > MAX_READ) {
    pieces.push(cursor.partial);
    cursor.partial = '';
  }
  return pieces;
}

/**
 * The lines a source got since `cursor`, across a rotation: a process's
 * file that moved on to a new one (pino-roll) is read to its end first; an
 * output file copied away and emptied (copy, then truncate) is read on in
 * its copy, then from the top.
 */
function linesSince(cursor: Cursor, files: string[]): string[] {
  const current = files.at(-1) as string;
  const before = files.at(-2);
  const texts: string[] = [];
  const rotated = cursor.file !== current || before !== cursor.before;
  if (rotated) {
    // Where our lines went: the old file itself, or its newest copy.
    if (cursor.file === current && before !== undefined) cursor.file = before;
    texts.push(...readNew(cursor), ...(cursor.partial === '' ? [] : [cursor.partial]));
    Object.assign(cursor, { file: current, offset: 0, partial: '', before });
  }
  texts.push(...readNew(cursor));
  return texts;
}

/**
 * Prints what each source gets from now on, until a stop signal. A source
 * that appears (a new worker slot, a daemon's first output) is read from
 * its start.
 */
function follow(where: Where, seen: Map<string, Cursor>, print: (lines: Line[]) => void): Promise<void> {
  return new Promise((done) => {
    const look = (): void => {
      const lines: Line[] = [];
      for (const source of sourcesOf(where)) {
        const files = source.files();
        const current = files.at(-1);
        if (current === undefined) continue;
        let cursor = seen.get(source.name);
        if (cursor === undefined) {
          cursor = { file: current, offset: 0, partial: '', before: files.at(-2) };
          seen.set(source.name, cursor);
        }
        lines.push(...parse(linesSince(cursor, files), source, 0));
      }
      print(lines);
    };
    const timer = setInterval(look, POLL_MS);
    const stop = (): void => {
      clearInterval(timer);
      look();
      done();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/**
 * `brood logs`: the last lines of an instance's logs — every process's
 * log file when it has a log folder, and a daemon's stdout and stderr —
 * merged by time; with `-f`, the lines that follow as they are written.
 */
export async function logs(dir: string | undefined, flags: LogsFlags): Promise<number> {
  const baseDir = appFolder(dir);
  const title = flags.title ?? DEFAULT_TITLE;
  checkTitle(title);
  const where = locate(baseDir, title, flags.logDir);
  const sources = sourcesOf(where);
  if (sources.length === 0 && findAppMarker(baseDir) === undefined) throw noApp(baseDir);
  if (sources.length === 0 && !flags.follow) {
    const looked = [where.dir === undefined ? undefined : `${where.dir}/`, where.stdout, where.stderr].filter(Boolean).join(', ');
    out(
      `brood: no logs of brood '${title}' in ${baseDir}: nothing in ${looked} (without --log-dir, a start in the foreground logs to its terminal only)`,
      true,
    );
    return 1;
  }
  const format = flags.pretty === true ? prettyFormatter(process.stdout.isTTY === true) : (line: string) => `${line}\n`;
  const print = (lines: Line[]): void => {
    const text = merge(lines, flags.role)
      .map((line) => format(line.text))
      .join('');
    if (text !== '') process.stdout.write(text);
  };
  // Following starts where the files end now: measured before the last lines are read, so no line falls between.
  const seen = new Map<string, Cursor>();
  for (const source of sources) {
    const files = source.files();
    const file = files.at(-1);
    if (file !== undefined) seen.set(source.name, { file, offset: statSync(file).size, partial: '', before: files.at(-2) });
  }
  const count = flags.lines ?? 10;
  print(
    merge(
      sources.flatMap((source) => lastOf(source, count, flags.role)),
      flags.role,
    ).slice(-count),
  );
  if (!flags.follow) return 0;
  await follow(where, seen, print);
  return 0;
}
