// The koa hello app of the koa-cluster baseline and of PM2: koa and
// @koa/router of Brood's own worker package (the same versions Brood
// serves with), one route answering like bench/fixtures/throughput.
const { createRequire } = require('node:module');
const { join } = require('node:path');

const fromWorker = createRequire(join(__dirname, '../../packages/worker/package.json'));
const Koa = fromWorker('koa');
const Router = fromWorker('@koa/router');

/** Serves `GET /` on 127.0.0.1:`port` (in a cluster worker, on the master's shared socket). */
exports.serve = (port) => {
  const app = new Koa();
  const router = new Router();
  router.get('/', (ctx) => {
    ctx.set('x-worker', String(process.pid));
    ctx.body = 'hello world';
  });
  app.use(router.routes()).use(router.allowedMethods());
  return app.listen(port, '127.0.0.1');
};
