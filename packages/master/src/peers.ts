import { type AppReadyMessage, envelope, type PeersChangedMessage, type Router } from '@brood/messenger';
import type { ProcessTable } from './process-table.js';
import type { SupervisedProcess } from './supervised-process.js';

/** Tells every ready process which agent and workers take work now. */
export function announcePeers(table: ProcessTable, router: Router): void {
  const changed = envelope<PeersChangedMessage>({ type: 'peers:changed', peers: table.peers() });
  for (const proc of table.ready()) router.send(proc.pid, changed);
}

/**
 * Tells every ready process that the application serves (`app:ready`), with
 * the peers of the moment; each worker first receives the retained messages.
 */
export function announceAppReady(table: ProcessTable, router: Router): void {
  const ready = envelope<AppReadyMessage>({ type: 'app:ready', peers: table.peers() });
  for (const proc of table.ready()) {
    giveRetained(proc, router);
    router.send(proc.pid, ready);
  }
}

/**
 * A process forked after start-up is ready: a worker receives the retained
 * messages, then it learns the app serves, and everyone else learns of it.
 */
export function welcome(proc: SupervisedProcess, table: ProcessTable, router: Router): void {
  const peers = table.peers();
  giveRetained(proc, router);
  router.send(proc.pid, envelope<AppReadyMessage>({ type: 'app:ready', peers }));
  const changed = envelope<PeersChangedMessage>({ type: 'peers:changed', peers });
  for (const other of table.ready()) if (other !== proc) router.send(other.pid, changed);
}

/**
 * The last value of each retained action, to a worker about to serve. On
 * its channel they come before `app:ready`, so its handlers have run on
 * them when its server opens. (The agent is not given them: it is the one
 * process that is there from start to stop, and one restarted after a
 * crash starts over from its own state.)
 */
function giveRetained(proc: SupervisedProcess, router: Router): void {
  if (proc.role === 'worker') router.giveRetained(proc.pid);
}
