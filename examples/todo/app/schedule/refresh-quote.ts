import { defineTask } from 'brood';
import '../../lib/actions.js';
import { setQuote } from '../../lib/quote.js';

const quotes = ['Small steps, every day.', 'Done is better than perfect.', 'First make it work.', 'Measure, then tune.'];
let next = 0;

/**
 * Runs in the agent: picks the next quote (standing in for data fetched
 * once per machine), keeps it for workers that start later (agent.ts
 * answers `quote:current`) and pushes it to every worker, which serves it.
 */
export default defineTask({
  schedule: { interval: process.env.TODO_QUOTE_INTERVAL ?? '30s', type: 'agent', immediate: true },
  async task(ctx) {
    const quote = { text: quotes[next++ % quotes.length] as string, at: new Date().toISOString() };
    setQuote(quote);
    ctx.app.messenger.sendToApp('quote:changed', quote);
    ctx.logger.debug({ quote }, 'quote pushed to every worker');
  },
});
