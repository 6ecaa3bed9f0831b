/** The agent's latest message of the day, for workers that start after it was pushed. */
let latest: { text: string; at: string } | null = null;

export function rememberMotd(motd: { text: string; at: string }): void {
  latest = motd;
}

export function latestMotd(): { text: string; at: string } | null {
  return latest;
}
