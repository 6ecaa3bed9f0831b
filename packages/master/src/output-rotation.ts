import { appendFileSync, closeSync, copyFileSync, openSync, readdirSync, readSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Logger, LogRotate } from '@brood/core';
import { messageOf } from '@brood/errors';
import { parseBytes } from './ops/ops-options.js';
import type { DaemonOutput } from './options.js';

/**
 * How often the output files are looked at. A stat of two files a second
 * costs nothing measurable; a file grows past its size by at most what is
 * written in a second.
 */
const CHECK_MS = 1000;

/**
 * `'10m'` → bytes, as pino-roll reads `size` for the log files: a number,
 * or digits without a unit, is MB; a size with a unit is read by the
 * master's one size parser.
 */
export function parseSize(size: string | number): number {
  return parseBytes('logRotate.size', typeof size === 'number' || /^\s*\d+(?:\.\d+)?\s*$/.test(size) ? `${size}m` : size);
}

/** The next time a file rotates by `frequency`, after `now`; undefined without one. */
export function nextRotation(frequency: LogRotate['frequency'], now: number): number | undefined {
  if (frequency === undefined) return undefined;
  const date = new Date(now);
  if (frequency === 'daily') return new Date(date.getFullYear(), date.getMonth(), date.getDate() + 1).getTime();
  if (frequency === 'hourly') return new Date(date.getFullYear(), date.getMonth(), date.getDate(), date.getHours() + 1).getTime();
  return now - (now % frequency) + frequency;
}

/** The numbers of the rotated copies of `file` (`<file>.<n>`), oldest first. */
export function rotatedCopies(file: string): number[] {
  const prefix = `${basename(file)}.`;
  return readdirSync(dirname(file))
    .filter((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)))
    .map((name) => Number(name.slice(prefix.length)))
    .sort((a, b) => a - b);
}

/** `length` bytes of `file` from `start`. */
function readRange(file: string, start: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, length, start);
  } finally {
    closeSync(fd);
  }
  return buffer;
}

/**
 * Rotates one output file the way pm2-logrotate and logrotate's
 * `copytruncate` do: copies it to `<file>.<n>` (a higher n is newer) and
 * empties it. Every process of the daemon holds the file open for
 * appending, so they go on writing at its new end; a line written during
 * the copy may be lost. Copies past `limit` are removed, oldest first.
 */
export function rotateFile(file: string, limit: number | undefined): void {
  const copies = rotatedCopies(file);
  const next = (copies.at(-1) ?? 0) + 1;
  const copy = `${file}.${next}`;
  copyFileSync(file, copy);
  // What was written during the copy joins it before the file is emptied: only a line written
  // between the last look and the truncate can be lost.
  for (let copied = statSync(copy).size, size = statSync(file).size; size > copied; copied = size, size = statSync(file).size) {
    appendFileSync(copy, readRange(file, copied, size - copied));
  }
  truncateSync(file, 0);
  if (limit === undefined) return;
  for (const old of [...copies, next].slice(0, Math.max(0, copies.length + 1 - limit)))
    unlinkSync(join(dirname(file), `${basename(file)}.${old}`));
}

/**
 * A daemon's stdout and stderr are files every process of it appends to
 * (what does not go through the logger: a crash's last words, Node's
 * warnings, the app's `console`, and without a log folder every log line).
 * They rotate by the settings of the log files (`logRotate`). The timer
 * does not hold the master up.
 */
export function rotateDaemonOutput(output: DaemonOutput, rotate: LogRotate, logger: Logger): void {
  const maxBytes = rotate.size === undefined ? undefined : parseSize(rotate.size);
  let due = nextRotation(rotate.frequency, Date.now());
  if (maxBytes === undefined && due === undefined) return;
  let warned = false;
  const timer = setInterval(() => {
    const now = Date.now();
    const byTime = due !== undefined && now >= due;
    if (byTime) due = nextRotation(rotate.frequency, now);
    for (const file of [output.stdout, output.stderr]) {
      try {
        const { size } = statSync(file);
        if (size > 0 && (byTime || (maxBytes !== undefined && size >= maxBytes))) rotateFile(file, rotate.limit);
      } catch (error) {
        if (!warned) logger.warn({ err: error, file }, `cannot rotate ${file}: ${messageOf(error)}`);
        warned = true;
      }
    }
  }, CHECK_MS);
  timer.unref();
}
