// Starts the Egg cluster: master, agent, 2 workers, as `egg-scripts start` would in the foreground.
require('egg').startCluster({ baseDir: __dirname, workers: 2, port: Number(process.env.PORT ?? 7001) });
