// What PM2 runs in cluster mode (`pm2 start app.cjs -i 2`): the koa hello
// app of the koa-cluster baseline, on PORT.
require('../baselines/koa-app.cjs').serve(Number(process.env.PORT ?? 0));
