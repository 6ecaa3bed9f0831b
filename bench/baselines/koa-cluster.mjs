// The hand-rolled alternative: Node's cluster with N workers serving the
// same koa + @koa/router handler as bench/fixtures/throughput, nothing else.
import cluster from 'node:cluster';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../packages/worker/package.json', import.meta.url));
const workers = Number(process.env.WORKERS ?? 2);
const port = Number(process.env.PORT ?? 0);

if (cluster.isPrimary) {
  let listening = 0;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('listening', (_worker, address) => {
    listening += 1;
    if (listening === workers) process.stdout.write(`${JSON.stringify({ event: 'started', url: `http://127.0.0.1:${address.port}` })}\n`);
  });
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
    process.exit(0);
  });
} else {
  const Koa = require('koa');
  const Router = require('@koa/router');
  const app = new Koa();
  const router = new Router();
  router.get('/', (ctx) => {
    ctx.set('x-worker', String(process.pid));
    ctx.body = 'hello world';
  });
  app.use(router.routes()).use(router.allowedMethods());
  app.listen(port);
}
