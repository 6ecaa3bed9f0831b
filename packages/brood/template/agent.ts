import { defineAgent } from 'brood';
import './lib/actions.js';

/** The agent: one per machine. It counts visits for every worker; its scheduled task pushes the message of the day. */
export default defineAgent((agent) => {
  let total = 0;
  agent.messenger.on('visits:count', () => {
    total += 1;
    return { total, agent: process.pid };
  });
  return {
    beforeClose() {
      agent.logger.info({ total }, 'agent closing');
    },
  };
});
