import { Service } from 'brood';
import type { Todo } from '../../lib/actions.js';

/** Todos live in the agent: this service asks it through the messenger. */
export default class TodoService extends Service {
  list(): Promise<Todo[]> {
    return this.app.messenger.request('agent', 'todo:list', { limit: this.config.todo.pageSize });
  }

  async create(title: unknown): Promise<Todo> {
    if (typeof title !== 'string' || title.trim() === '') this.ctx.throw(422, 'title must be a non-empty string');
    if (title.length > this.config.todo.maxTitle) this.ctx.throw(422, `title must be at most ${this.config.todo.maxTitle} characters`);
    const todo = await this.app.messenger.request('agent', 'todo:create', { title: title.trim(), worker: process.pid });
    this.logger.info({ id: todo.id }, 'todo created');
    return todo;
  }

  async get(id: number): Promise<Todo> {
    const todo = await this.app.messenger.request('agent', 'todo:get', { id });
    if (todo === null) this.ctx.throw(404, `no todo ${id}`);
    return todo;
  }

  async done(id: number): Promise<Todo> {
    const todo = await this.app.messenger.request('agent', 'todo:done', { id });
    if (todo === null) this.ctx.throw(404, `no todo ${id}`);
    return todo;
  }
}
