import { defineTask } from 'brood';
import '../../lib/actions.js';

const messages = ['ship small changes', 'measure before you tune', 'read the error message'];
let next = 0;

/** Runs in the agent every 10 s and pushes a new message of the day to every worker. */
export default defineTask({
  schedule: { interval: '10s', type: 'agent', immediate: true },
  async task(ctx) {
    const text = messages[next++ % messages.length] as string;
    ctx.app.messenger.sendToApp('motd:changed', { text, at: new Date().toISOString() });
  },
});
