import { defineAgent } from 'brood';
import './typings.js';

/**
 * The agent answers `hello:whoami` requests from workers with who it is.
 */
export default defineAgent((agent) => {
  let served = 0;
  agent.messenger.on('hello:whoami', (data) => {
    served += 1;
    return { agent: process.pid, askedBy: data.from, served };
  });
  return {
    serverDidReady() {
      agent.logger.info({ workers: agent.peers.workers }, 'hello agent sees every worker ready');
    },
  };
});
