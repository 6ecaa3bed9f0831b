import { defineApp } from 'brood';
import './lib/actions.js';
import { setQuote } from './lib/quote.js';

/**
 * Worker hooks: every worker hears about new todos and logs them, and
 * serves the quote the agent pushes. The quote comes retained: a worker
 * forked after the last push (a crash, a reload) receives it before it
 * serves.
 */
export default defineApp((app) => {
  let heard = 0;
  app.messenger.on('quote:changed', (quote) => setQuote(quote));
  app.messenger.on('todo:created', (todo) => {
    heard += 1;
    app.logger.debug({ id: todo.id, heard }, 'a worker created a todo');
  });
  return {
    didLoad() {
      app.logger.info({ pageSize: app.config.todo.pageSize }, 'todo app loaded');
    },
    beforeClose() {
      app.logger.info({ heard }, 'todo worker closing');
    },
  };
});
