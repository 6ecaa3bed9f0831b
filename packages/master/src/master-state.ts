/** Where the master is in its life. */
export type MasterState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';
