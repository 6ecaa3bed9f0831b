import { defineApp } from 'brood';
import './lib/actions.js';
import { setQuote } from './lib/quote.js';

/** Worker hooks: every worker hears about new todos and logs them. */
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
    async didReady() {
      // A worker forked after the last push (a crash, a reload) asks the agent, so it
      // never serves an empty quote until the next tick. The agent may be restarting:
      // then the next push brings the quote.
      try {
        const quote = await app.messenger.request('agent', 'quote:current', undefined, { timeout: 1000 });
        if (quote !== null) setQuote(quote);
      } catch (error) {
        app.logger.warn({ err: error }, 'no quote from the agent yet');
      }
    },
    beforeClose() {
      app.logger.info({ heard }, 'todo worker closing');
    },
  };
});
