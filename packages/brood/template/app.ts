import { defineApp } from 'brood';
import { setMotd } from './app/service/greeting.js';
import './lib/actions.js';

/** Worker lifecycle: listen for the agent's pushes. */
export default defineApp((app) => {
  app.messenger.on('motd:changed', ({ text }) => setMotd(text));
  return {
    serverDidReady() {
      app.logger.info('worker serving');
    },
  };
});
