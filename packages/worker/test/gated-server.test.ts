/**
 * The worker's server with connections the master hands over (scheduling
 * policy `rr`): it never listens, yet serves them, tracks them like its own,
 * and a close waits for them and ends the idle keep-alive ones.
 * (Not exported: imported from its source.)
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { after, test } from 'node:test';
import { GatedServer } from '../src/http-server.js';

const servers: Server[] = [];
after(() => {
  for (const server of servers) server.close();
});

/**
 * A stand-in for the master and the IPC hop: accepts, and hands each
 * connection to `gated` as a socket that reads, as a worker receives it.
 */
async function handingOver(gated: GatedServer): Promise<string> {
  const front = createServer((socket) => gated.adopt(socket));
  servers.push(front);
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(front.address() as AddressInfo).port}/`;
}

function get(url: string, agent: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('handed-over connections are served, and a close ends the idle keep-alive one and resolves', async () => {
  const gated = new GatedServer((_req, res) => res.end('handed over'));
  gated.takeHandedOver();
  gated.open();
  const url = await handingOver(gated);
  const agent = new Agent({ keepAlive: true });
  assert.deepEqual(await get(url, agent), { status: 200, body: 'handed over' });
  assert.equal(gated.server.listening, false, 'the server itself never listens');
  const closed = new Promise<void>((resolve) => {
    for (const socket of Object.values(agent.freeSockets).flat()) socket?.once('close', () => resolve());
  });
  // Without the tracking 'listening' sets up, the idle connection would last until this deadline.
  await gated.close(60_000);
  await closed;
  agent.destroy();
});

test('a close waits for a handed-over connection whose request is in flight', async () => {
  let finish: (() => void) | undefined;
  const gated = new GatedServer((_req, res) => {
    finish = () => res.end('late');
  });
  gated.takeHandedOver();
  gated.open();
  const url = await handingOver(gated);
  const agent = new Agent({ keepAlive: false });
  const reply = get(url, agent);
  while (finish === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
  let closed = false;
  const closing = gated.close(60_000).then(() => {
    closed = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(closed, false, 'the close waits for the request in flight');
  finish();
  assert.deepEqual(await reply, { status: 200, body: 'late' });
  await closing;
});
