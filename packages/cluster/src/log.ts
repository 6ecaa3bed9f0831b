/** Where the cluster engine reports; a pino logger fits. */
export interface ClusterLog {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** A log that drops everything, when none is given. */
export const silentLog: ClusterLog = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
