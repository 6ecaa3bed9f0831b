/**
 * What this process is doing on its way to ready, for the message of a
 * start-up that times out: `importing app/controller/home.ts`, `running
 * app/router.ts`. Lifecycle hooks are named by {@link Lifecycle} itself.
 */
let stage: string | undefined;

/** The stage under way, if any. */
export function bootStage(): string | undefined {
  return stage;
}

/** Runs `work` as the stage `what`. */
export async function inStage<T>(what: string, work: () => Promise<T>): Promise<T> {
  const previous = stage;
  stage = what;
  try {
    return await work();
  } finally {
    stage = previous;
  }
}
