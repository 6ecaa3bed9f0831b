/**
 * The messenger actions of this app, typed: a misspelt action or a wrong
 * payload is a compile error in agent.ts and in the workers alike.
 */
declare module 'brood' {
  interface Actions {
    'visits:count': { data: { path: string }; reply: { total: number; agent: number } };
    'motd:changed': { data: { text: string; at: string } };
  }
}

export {};
