/**
 * The latest quote. In the agent it is the one the refresh task picked; in
 * a worker, the one the agent pushed last, which the worker serves.
 */
let latest: { text: string; at: string } | null = null;
let count = 0;

export function setQuote(quote: { text: string; at: string }): void {
  latest = quote;
}

/** The latest quote, without counting it as served. */
export function latestQuote(): { text: string; at: string } | null {
  return latest;
}

/** The quote to serve; counts it. */
export function currentQuote(): { text: string; at: string } | null {
  count += 1;
  return latest;
}

export function served(): number {
  return count;
}
