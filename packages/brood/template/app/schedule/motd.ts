import { defineTask } from 'brood';
import '../../lib/actions.js';

const messages = ['ship small changes', 'measure before you tune', 'read the error message'];
let next = 0;

/**
 * Runs in the agent every 10 s: picks a new message of the day and pushes
 * it to every worker, retained, so that a worker that starts later gets
 * the last one too (docs/messenger.md, "Retained messages").
 */
export default defineTask({
  schedule: { interval: '10s', type: 'agent', immediate: true },
  async task(ctx) {
    const motd = { text: messages[next++ % messages.length] as string, at: new Date().toISOString() };
    ctx.app.messenger.sendToApp('motd:changed', motd, { retain: true });
  },
});
