import type { Socket } from 'node:net';

/** What {@link readLines} calls. */
export interface LineHandlers {
  /** Each line, without its `\n` (nor a `\r` before it), decoded as UTF-8; the text after the last `\n`, if any, when the stream ends. */
  line(text: string): void;
  /** Once, at a line longer than `maxBytes`, ended or not; no line is read after it. */
  tooLong?(): void;
}

/**
 * Reads newline-delimited text from `socket`. The control protocol is one
 * JSON object per line; node:readline would do, but it loads in the
 * master, which runs all the app's life, some 0.2 MB of modules for what
 * a split on `\n` does. Lines are cut from the bytes, so a character split
 * across two chunks arrives whole. A line is bounded: past `maxBytes`,
 * ended or not (one that never ends would grow without limit), `tooLong` is
 * called and the rest of the stream is ignored.
 */
export function readLines(socket: Socket, maxBytes: number, handlers: LineHandlers): void {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let stopped = false;
  socket.on('data', (chunk: Buffer) => {
    if (stopped) return;
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, newline);
      if (pendingBytes + piece.length > maxBytes) return stop();
      const bytes = pendingBytes === 0 ? piece : Buffer.concat([...pending, piece], pendingBytes + piece.length);
      pending = [];
      pendingBytes = 0;
      start = newline + 1;
      emit(bytes);
      if (stopped || socket.destroyed) return;
    }
    if (start === chunk.length) return;
    pending.push(chunk.subarray(start));
    pendingBytes += chunk.length - start;
    if (pendingBytes > maxBytes) stop();
  });
  // As node:readline does, what follows the last newline is a line of its own when the stream ends.
  socket.on('end', () => {
    if (stopped || pendingBytes === 0) return;
    const bytes = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    emit(bytes);
  });
  /** One line's bytes, without a `\r` before its end. */
  function emit(bytes: Buffer): void {
    handlers.line(bytes.toString('utf8', 0, bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length));
  }
  function stop(): void {
    stopped = true;
    pending = [];
    handlers.tooLong?.();
  }
}
