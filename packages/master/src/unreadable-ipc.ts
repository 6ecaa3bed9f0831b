/**
 * A child can write bytes on its IPC channel that are not a message — with
 * `fs.writeSync(3, …)` rather than `process.send()`. Node parses the channel
 * of every child inside the master and throws the SyntaxError of that line
 * out of the channel's read callback, as an uncaught exception: left alone,
 * it would end the master and the whole application. The channel itself is
 * intact (the line was consumed, what follows is read as usual), so such an
 * error is recognised by where it was thrown, counted and logged, and the
 * master goes on. Node does not say which child wrote it.
 */

/** True for the error Node throws when a line on a child's IPC channel is not JSON. */
export function isUnreadableIpc(error: unknown): boolean {
  return error instanceof SyntaxError && typeof error.stack === 'string' && error.stack.includes('parseChannelMessages');
}
