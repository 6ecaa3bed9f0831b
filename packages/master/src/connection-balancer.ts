import type { SendHandle } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Logger } from '@brood/core';
import { type ConnHandoffMessage, envelope } from '@brood/messenger';
import type { ProcessTable } from './process-table.js';
import type { SupervisedProcess } from './supervised-process.js';

/**
 * Connections the master holds while no worker can take them (the only
 * worker crashed, all are booting). Past this, a new connection is closed
 * at once rather than held: about 1 KB and one descriptor each.
 */
export const MAX_HELD_CONNECTIONS = 10_000;

/** One worker as the balancer sees it: the connections handed to it and not yet confirmed. */
interface Lane {
  proc: SupervisedProcess;
  unconfirmed: Map<number, Socket>;
}

/**
 * Round-robin under `rr`: the master accepts each connection without
 * reading it and hands it to the next ready worker, one at a time per
 * worker as Node's RoundRobinHandle does, so a worker whose event loop is
 * blocked holds up one connection at most.
 *
 * Unlike Node's, it keeps its own copy of every connection until the
 * worker confirms it (`conn:taken`, sent before the worker reads a byte).
 * When a worker dies with connections it never confirmed — it was killed,
 * or blocked and then killed, while they were on the way — they go to
 * another worker instead of hanging open for ever (nodejs/node#21746: 4 of
 * ~1,000 probes hung during kills, and the master kept CLOSE_WAIT sockets).
 * With no worker ready, connections wait here and go to the first worker
 * that is.
 */
export class ConnectionBalancer {
  readonly #table: ProcessTable;
  readonly #logger: Logger;
  readonly #lanes = new Map<number, Lane>();
  #held: Socket[] = [];
  #next = 0;
  #seq = 0;
  #closed = false;
  #dropped = 0;

  constructor(table: ProcessTable, logger: Logger) {
    this.#table = table;
    this.#logger = logger;
  }

  /** A connection the master accepted. */
  accept(socket: Socket): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    if (this.#held.length >= MAX_HELD_CONNECTIONS) {
      socket.destroy();
      if (this.#dropped++ === 0) {
        this.#logger.warn({ held: this.#held.length }, `${MAX_HELD_CONNECTIONS} connections wait for a worker: closing new ones`);
      }
      return;
    }
    this.#held.push(socket);
    this.#drain();
  }

  /** Workers that became ready take connections from now on. */
  sync(): void {
    for (const proc of this.#table.workers) {
      if (proc.state === 'ready' && !this.#lanes.has(proc.pid)) this.#open(proc);
    }
    this.#drain();
  }

  /** Worker `pid` has connection `id`: the master's copy is closed (the connection lives on in the worker). */
  taken(pid: number, id: number): void {
    const lane = this.#lanes.get(pid);
    const socket = lane?.unconfirmed.get(id);
    if (lane === undefined || socket === undefined) return;
    lane.unconfirmed.delete(id);
    socket.destroy();
    this.#drain();
  }

  /** The master stops accepting: held connections are closed, and so are those a dying worker leaves. */
  close(): void {
    this.#closed = true;
    for (const socket of this.#held) socket.destroy();
    this.#held = [];
  }

  #open(proc: SupervisedProcess): void {
    const lane: Lane = { proc, unconfirmed: new Map() };
    this.#lanes.set(proc.pid, lane);
    // 'close' comes once the process has exited AND its channel is read to the end, so every
    // `conn:taken` it wrote has been handled: what is left unconfirmed never reached its code.
    // (Its 'disconnect' may never come: Node waits for the acknowledgement of a handle in flight.)
    proc.child.once('close', () => this.#lost(lane));
  }

  #lost(lane: Lane): void {
    this.#lanes.delete(lane.proc.pid);
    const orphans = [...lane.unconfirmed.values()];
    if (orphans.length === 0) return;
    if (this.#closed) {
      for (const socket of orphans) socket.destroy();
      return;
    }
    this.#logger.info(
      { connections: orphans.length },
      `${orphans.length} connection${orphans.length === 1 ? '' : 's'} handed to ${lane.proc.label} go to another worker`,
    );
    this.#held.unshift(...orphans);
    this.#drain();
  }

  #drain(): void {
    while (this.#held.length > 0) {
      const lane = this.#pick();
      if (lane === undefined) return;
      const socket = this.#held.shift() as Socket;
      if (socket.destroyed) continue;
      const id = ++this.#seq;
      lane.unconfirmed.set(id, socket);
      // keepOpen: Node would close the master's copy as soon as the worker process has the descriptor.
      lane.proc.child.send(envelope<ConnHandoffMessage>({ type: 'conn:handoff', id }), socket as SendHandle, { keepOpen: true }, () => {
        // A failed write means the channel closed: the process's 'close' hands the connection on.
      });
    }
    if (this.#dropped > 0 && this.#held.length === 0) {
      this.#logger.warn({ dropped: this.#dropped }, `${this.#dropped} connections were closed while none could be held`);
      this.#dropped = 0;
    }
  }

  /** The next ready worker in rotation (no spare), after the last one served, with nothing unconfirmed. */
  #pick(): Lane | undefined {
    const lanes = [...this.#lanes.values()];
    for (let i = 0; i < lanes.length; i++) {
      const index = (this.#next + i) % lanes.length;
      const lane = lanes[index] as Lane;
      if (lane.unconfirmed.size === 0 && lane.proc.state === 'ready' && !lane.proc.spare && lane.proc.child.connected) {
        this.#next = index + 1;
        return lane;
      }
    }
    return undefined;
  }
}
