// The hand-rolled alternative: Node's cluster with N workers serving the
// same koa + @koa/router handler as bench/fixtures/throughput, nothing else.
import cluster from 'node:cluster';
import { createRequire } from 'node:module';
import { runPrimary } from './cluster-primary.mjs';

const port = Number(process.env.PORT ?? 0);

if (cluster.isPrimary) runPrimary(Number(process.env.WORKERS ?? 2));
else createRequire(import.meta.url)('./koa-app.cjs').serve(port);
