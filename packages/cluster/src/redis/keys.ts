/**
 * The names of one app's keys and channels in Redis. They all start with
 * `<prefix>{<name>}:` — the braces are a hash tag, so all of them live on
 * one shard of a sharded Redis and a script may touch several.
 */
export class RedisKeys {
  readonly base: string;
  /** Where channels start: publish/subscribe is one space for the whole server, whatever the database. */
  readonly #channels: string;

  /** `db`: the database of the URL; apps on different databases of one server stay apart on the bus too. */
  constructor(prefix: string, name: string, db = 0) {
    this.base = `${prefix}{${name}}:`;
    this.#channels = db === 0 ? this.base : `${this.base}db${db}:`;
  }

  /** An instance's record (expires without heartbeat). */
  instance(id: string): string {
    return `${this.base}instance:${id}`;
  }

  /** The set of instance ids, to list them without SCAN. */
  get instances(): string {
    return `${this.base}instances`;
  }

  /** A lease's holder (expires without renewal). */
  lease(name: string): string {
    return `${this.base}lease:${name}`;
  }

  /** A lease's term counter (never expires: terms must keep growing). */
  term(name: string): string {
    return `${this.base}term:${name}`;
  }

  /** The claim of one fire of a task. */
  fire(task: string, fireTime: number): string {
    return `${this.base}fire:${task}:${fireTime}`;
  }

  /** A task's fencing-token counter (never expires). */
  fence(task: string): string {
    return `${this.base}fence:${task}`;
  }

  /** task → its last claim, `token|fireTime|at|instance`. */
  get claims(): string {
    return `${this.base}claims`;
  }

  /** task → the last fire time claimed (the watermark). */
  get fired(): string {
    return `${this.base}fired`;
  }

  /** A logical channel name (`bus:all`) as a Redis channel; on a database other than 0 it names the database. */
  channel(name: string): string {
    return `${this.#channels}${name}`;
  }
}
