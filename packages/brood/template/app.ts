import { defineApp } from 'brood';
import { setMotd } from './app/service/greeting.js';
import './lib/actions.js';

/**
 * Worker lifecycle. The agent pushes the message of the day retained: a
 * worker that starts later (a crash, a reload) receives the last one
 * before it serves, with nothing to ask.
 */
export default defineApp((app) => {
  app.messenger.on('motd:changed', ({ text }) => setMotd(text));
  return {
    serverDidReady() {
      app.logger.info('worker serving');
    },
  };
});
