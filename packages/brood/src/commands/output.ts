import { messageOf } from '@brood/errors';

/** Writes one line to stdout, or to stderr for errors. The CLI's only output path. */
export function out(text: string, error = false): void {
  (error ? process.stderr : process.stdout).write(`${text}\n`);
}

/** One line naming the cause, with its code when it has one. */
export function explain(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = messageOf(error);
  return typeof code === 'string' && code.startsWith('ERR_') ? `${message} (${code})` : message;
}

/** Rows of cells as columns padded to their widest cell; the first row is the header. */
export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
