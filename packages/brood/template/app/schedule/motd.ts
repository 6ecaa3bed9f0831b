import { defineTask } from 'brood';
import '../../lib/actions.js';
import { rememberMotd } from '../../lib/motd.js';

const messages = ['ship small changes', 'measure before you tune', 'read the error message'];
let next = 0;

/**
 * Runs in the agent every 10 s: picks a new message of the day, keeps it for
 * workers that start later, and pushes it to every worker.
 */
export default defineTask({
  schedule: { interval: '10s', type: 'agent', immediate: true },
  async task(ctx) {
    const motd = { text: messages[next++ % messages.length] as string, at: new Date().toISOString() };
    rememberMotd(motd);
    ctx.app.messenger.sendToApp('motd:changed', motd);
  },
});
