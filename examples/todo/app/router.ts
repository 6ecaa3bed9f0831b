import { defineRouter } from 'brood';
import { currentQuote } from '../lib/quote.js';

export default defineRouter((router, app) => {
  const { todo, admin } = app.controller;
  router.get('/', (ctx) => {
    ctx.body = { app: app.config.todo.welcome, env: app.env, worker: process.pid };
  });
  router.get('/todos', todo.index);
  router.post('/todos', todo.create);
  router.get('/todos/:id', todo.show);
  router.post('/todos/:id/done', todo.done);
  router.get('/admin/stats', admin.stats.show);
  router.get('/quote', (ctx) => {
    ctx.body = { quote: currentQuote(), worker: process.pid };
  });
  router.get('/boom', () => {
    throw new Error('database password is hunter2');
  });
});
