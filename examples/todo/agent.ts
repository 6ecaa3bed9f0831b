import { defineAgent } from 'brood';
import type { Todo } from './lib/actions.js';

/** The agent owns the todo list: one list per machine, whatever the number of workers. */
export default defineAgent((agent) => {
  const todos = new Map<number, Todo>();
  let next = 1;
  const m = agent.messenger;

  m.on('todo:list', ({ limit }) => [...todos.values()].slice(0, limit));
  m.on('todo:get', ({ id }) => todos.get(id) ?? null);
  m.on('todo:create', ({ title, worker }) => {
    const todo: Todo = { id: next++, title, done: false, createdBy: worker };
    todos.set(todo.id, todo);
    // Every worker hears about it.
    m.sendToApp('todo:created', todo);
    return todo;
  });
  m.on('todo:done', ({ id }) => {
    const todo = todos.get(id);
    if (todo === undefined) return null;
    todo.done = true;
    return todo;
  });
  m.on('todo:stats', () => {
    const createdByWorker: Record<number, number> = {};
    for (const todo of todos.values()) createdByWorker[todo.createdBy] = (createdByWorker[todo.createdBy] ?? 0) + 1;
    return { total: todos.size, done: [...todos.values()].filter((t) => t.done).length, createdByWorker };
  });

  return {
    serverDidReady() {
      agent.logger.info({ workers: agent.peers.workers }, 'todo agent ready');
    },
    beforeClose() {
      agent.logger.info({ todos: todos.size }, 'todo agent closing');
    },
  };
});
