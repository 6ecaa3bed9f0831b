/**
 * readLines, which splits what arrives on a control socket into lines: a
 * line cut across chunks, a character cut across chunks, CRLF, and a line
 * that never ends (test/cli.test.ts sends one to a real master). Run on a
 * real socket pair over a Unix socket.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readLines } from '../src/control/line-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'brood-lines-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let sockets = 0;

/** Sends `chunks` one write at a time and resolves with what readLines reported once the writer ended. */
async function read(chunks: Buffer[], maxBytes = 1024): Promise<{ lines: string[]; tooLong: number }> {
  const path = join(dir, `${++sockets}.sock`);
  const seen = { lines: [] as string[], tooLong: 0 };
  const ended = new Promise<void>((resolve, reject) => {
    const server = createServer((socket: Socket) => {
      readLines(socket, maxBytes, { line: (text) => seen.lines.push(text), tooLong: () => seen.tooLong++ });
      socket.on('end', () => {
        server.close();
        resolve();
      });
    });
    server.on('error', reject);
    server.listen(path, async () => {
      const client = connect(path);
      for (const chunk of chunks) {
        // One chunk per write, each written before the next: the reader sees them apart or together.
        await new Promise<void>((done) => client.write(chunk, () => done()));
      }
      client.end();
    });
  });
  const timeout = setTimeout(() => assert.fail('the socket did not end within 5 s'), 5000);
  await ended;
  clearTimeout(timeout);
  return seen;
}

test('lines come whole, however the bytes are cut', async () => {
  const text = '{"a":1}\n{"b":"é€"}\r\n\nlast\n';
  const bytes = Buffer.from(text);
  for (let cut = 1; cut < bytes.length; cut += 3) {
    const seen = await read([bytes.subarray(0, cut), bytes.subarray(cut)]);
    assert.deepEqual(seen, { lines: ['{"a":1}', '{"b":"é€"}', '', 'last'], tooLong: 0 }, `cut at ${cut}`);
  }
  const oneByOne = await read([...bytes].map((byte) => Buffer.from([byte])));
  assert.deepEqual(oneByOne.lines, ['{"a":1}', '{"b":"é€"}', '', 'last']);
});

test('what follows the last newline is a line when the stream ends, as node:readline has it', async () => {
  assert.deepEqual(await read([Buffer.from('one\ntwo')]), { lines: ['one', 'two'], tooLong: 0 });
  assert.deepEqual(await read([Buffer.from('one\n')]), { lines: ['one'], tooLong: 0 });
});

test('a line that does not end within maxBytes is reported once, and nothing after it is read', async () => {
  const seen = await read([Buffer.from('short\n'), Buffer.alloc(600, 0x61), Buffer.alloc(600, 0x62), Buffer.from('\nnext\n')], 1000);
  assert.deepEqual(seen, { lines: ['short'], tooLong: 1 });
  const within = await read([Buffer.alloc(600, 0x61), Buffer.alloc(400, 0x62), Buffer.from('\n')], 1000);
  assert.deepEqual(within, { lines: ['a'.repeat(600) + 'b'.repeat(400)], tooLong: 0 });
});
