import { defineTask } from 'brood';
import '../../lib/actions.js';

const quotes = ['Small steps, every day.', 'Done is better than perfect.', 'First make it work.', 'Measure, then tune.'];
let next = 0;

/**
 * Runs in the agent: picks the next quote (standing in for data fetched
 * once per machine) and pushes it to every worker, which serves it. Pushed
 * retained: a worker that starts later receives the last quote before it
 * serves (docs/messenger.md, "Retained messages").
 */
export default defineTask({
  schedule: { interval: process.env.TODO_QUOTE_INTERVAL ?? '30s', type: 'agent', immediate: true },
  async task(ctx) {
    const quote = { text: quotes[next++ % quotes.length] as string, at: new Date().toISOString() };
    ctx.app.messenger.sendToApp('quote:changed', quote, { retain: true });
    ctx.logger.debug({ quote }, 'quote pushed to every worker');
  },
});
