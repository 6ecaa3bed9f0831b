// The primary of the hand-rolled cluster baselines: forks the workers,
// prints one `started` line when all listen, replaces a worker that dies
// at once (as a cluster script in production does), and on SIGTERM stops
// them and exits.
import cluster from 'node:cluster';

/** Runs this process as the cluster primary of `workers` workers. */
export function runPrimary(workers) {
  let listening = 0;
  let stopping = false;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('listening', (_worker, address) => {
    listening += 1;
    if (listening === workers) process.stdout.write(`${JSON.stringify({ event: 'started', url: `http://127.0.0.1:${address.port}` })}\n`);
  });
  cluster.on('exit', () => {
    if (!stopping) cluster.fork();
  });
  process.on('SIGTERM', () => {
    stopping = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
    process.exit(0);
  });
}
