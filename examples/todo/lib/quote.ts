/** The quote this worker serves: the last one the agent pushed. */
let latest: { text: string; at: string } | null = null;
let count = 0;

export function setQuote(quote: { text: string; at: string }): void {
  latest = quote;
}

export function currentQuote(): { text: string; at: string } | null {
  count += 1;
  return latest;
}

export function served(): number {
  return count;
}
