// The hand-rolled alternative: Node's cluster with N workers serving the
// same koa + @koa/router handler as bench/fixtures/throughput, nothing else.
import cluster from 'node:cluster';
import { createRequire } from 'node:module';

const workers = Number(process.env.WORKERS ?? 2);
const port = Number(process.env.PORT ?? 0);

if (cluster.isPrimary) {
  let listening = 0;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('listening', (_worker, address) => {
    listening += 1;
    if (listening === workers) process.stdout.write(`${JSON.stringify({ event: 'started', url: `http://127.0.0.1:${address.port}` })}\n`);
  });
  // A worker that dies is replaced at once, as a cluster script in production does.
  cluster.on('exit', () => {
    if (!stopping) cluster.fork();
  });
  let stopping = false;
  process.on('SIGTERM', () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
    process.exit(0);
  });
} else {
  createRequire(import.meta.url)('./koa-app.cjs').serve(port);
}
