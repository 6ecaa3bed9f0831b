import { defineApp } from 'brood';
import { setMotd } from './app/service/greeting.js';
import './lib/actions.js';

/** Worker lifecycle: listen for the agent's pushes, and ask for the latest one at start. */
export default defineApp((app) => {
  app.messenger.on('motd:changed', ({ text }) => setMotd(text));
  return {
    async didReady() {
      // A worker forked after the last push would serve nothing until the next one.
      try {
        const motd = await app.messenger.request('agent', 'motd:current', undefined, { timeout: 1000 });
        if (motd !== null) setMotd(motd.text);
      } catch (error) {
        app.logger.warn({ err: error }, 'no message of the day from the agent yet');
      }
    },
    serverDidReady() {
      app.logger.info('worker serving');
    },
  };
});
