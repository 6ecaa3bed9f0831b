/** A promise with its settle functions, settled at most once. */
export class Deferred<T> {
  readonly promise: Promise<T>;
  settled = false;
  #resolve!: (value: T) => void;
  #reject!: (error: Error) => void;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // A rejection nobody awaits yet must not crash the process.
    this.promise.catch(() => {});
  }

  resolve(value: T): void {
    if (this.settled) return;
    this.settled = true;
    this.#resolve(value);
  }

  reject(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.#reject(error);
  }
}
