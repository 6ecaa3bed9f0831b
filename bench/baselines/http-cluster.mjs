// The floor: Node's cluster with N workers answering `GET /` from
// node:http alone, no framework, the same text and x-worker header as the
// koa handler.
import cluster from 'node:cluster';
import { createServer } from 'node:http';

const workers = Number(process.env.WORKERS ?? 2);
const port = Number(process.env.PORT ?? 0);

if (cluster.isPrimary) {
  let listening = 0;
  let stopping = false;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('listening', (_worker, address) => {
    listening += 1;
    if (listening === workers) process.stdout.write(`${JSON.stringify({ event: 'started', url: `http://127.0.0.1:${address.port}` })}\n`);
  });
  // A worker that dies is replaced at once, as a cluster script in production does.
  cluster.on('exit', () => {
    if (!stopping) cluster.fork();
  });
  process.on('SIGTERM', () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
    process.exit(0);
  });
} else {
  const pid = String(process.pid);
  createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-worker': pid });
      res.end('hello world');
    } else {
      res.writeHead(404).end();
    }
  }).listen(port, '127.0.0.1');
}
