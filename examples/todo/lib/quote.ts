/** The quote the agent pushed last, which this worker serves. */
let latest: { text: string; at: string } | null = null;
let count = 0;

export function setQuote(quote: { text: string; at: string }): void {
  latest = quote;
}

/** The quote to serve; counts it. */
export function currentQuote(): { text: string; at: string } | null {
  count += 1;
  return latest;
}

export function served(): number {
  return count;
}
