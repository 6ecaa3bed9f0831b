/** A todo as the agent keeps it. */
export interface Todo {
  id: number;
  title: string;
  done: boolean;
  createdBy: number;
}

/**
 * The messenger actions of this app. The agent owns the list (one per
 * machine, whatever the number of workers); workers ask it.
 */
declare module 'brood' {
  interface Actions {
    'todo:list': { data: { limit: number }; reply: Todo[] };
    'todo:create': { data: { title: string; worker: number }; reply: Todo };
    'todo:get': { data: { id: number }; reply: Todo | null };
    'todo:done': { data: { id: number }; reply: Todo | null };
    'todo:stats': { data: undefined; reply: { total: number; done: number; createdByWorker: Record<number, number> } };
    'todo:created': { data: Todo };
    'quote:changed': { data: { text: string; at: string } };
  }
}
