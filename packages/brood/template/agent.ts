import { defineAgent } from 'brood';
import './lib/actions.js';
import { latestMotd } from './lib/motd.js';

/** The agent: one per machine. It counts visits for every worker and keeps the message of the day. */
export default defineAgent((agent) => {
  let total = 0;
  agent.messenger.on('visits:count', () => {
    total += 1;
    return { total, agent: process.pid };
  });
  // A worker that starts after the last push (a crash, a reload) asks for it.
  agent.messenger.on('motd:current', () => latestMotd());
  return {
    beforeClose() {
      agent.logger.info({ total }, 'agent closing');
    },
  };
});
