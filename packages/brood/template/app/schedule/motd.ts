import type { Agent } from 'brood';
import '../../lib/actions.js';

const messages = ['ship small changes', 'measure before you tune', 'read the error message'];
let next = 0;

/** Runs in the agent every 10 s and pushes a new message of the day to every worker. */
export const schedule = { interval: '10s', type: 'agent', immediate: true } as const;

export async function task(ctx: { app: Agent }) {
  const text = messages[next++ % messages.length] as string;
  ctx.app.messenger.sendToApp('motd:changed', { text, at: new Date().toISOString() });
}
