/** The message of whatever was thrown: an Error's message, anything else as a string (`throw 'no db'`). */
export function messageOf(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}

/** The string `code` of a thrown value (a BroodError, a Node system error), if it has one. */
export function codeOf(thrown: unknown): string | undefined {
  const code = typeof thrown === 'object' && thrown !== null ? (thrown as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** A thrown value as an Error: itself when it is one, else an Error whose message is its string form. */
export function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
