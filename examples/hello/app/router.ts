import { defineRouter } from 'brood';
import '../typings.js';

export default defineRouter((router, app) => {
  router.get('/', (ctx) => {
    ctx.body = `hello from worker ${process.pid}\n`;
  });

  router.get('/agent', async (ctx) => {
    ctx.body = await app.messenger.request('agent', 'hello:whoami', { from: process.pid });
  });
});
