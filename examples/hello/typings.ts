/**
 * The messenger actions of this app: a misspelt action or a wrong payload
 * is a compile error in agent.ts and app/router.ts alike.
 */
declare module 'brood' {
  interface Actions {
    'hello:whoami': { data: { from: number }; reply: { agent: number; askedBy: number; served: number } };
  }
}

export {};
