// The floor: Node's cluster with N workers answering `GET /` from
// node:http alone, no framework, the same text and x-worker header as the
// koa handler.
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import { runPrimary } from './cluster-primary.mjs';

const port = Number(process.env.PORT ?? 0);

if (cluster.isPrimary) runPrimary(Number(process.env.WORKERS ?? 2));
else {
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
