import { BroodError } from '@brood/core';

/**
 * Error codes of cluster mode. Every code is listed with its fix in
 * docs/errors.md. A request whose target instance dies rejects with the
 * messenger's `ERR_BROOD_TARGET_GONE`, and one that gets no reply with
 * `ERR_BROOD_REQUEST_TIMEOUT`, as they do on one host.
 */
export const ClusterErrors = {
  /** `BROOD_REDIS_URL` or `cluster.url` is not a redis:// or rediss:// URL. */
  BAD_URL: 'ERR_BROOD_CLUSTER_BAD_URL',
  /** A cluster setting other than the URL has a wrong type or value. */
  BAD_OPTIONS: 'ERR_BROOD_CLUSTER_BAD_OPTIONS',
  /** Redis could not be reached, refused the password, or did not answer in time. */
  UNREACHABLE: 'ERR_BROOD_CLUSTER_UNREACHABLE',
  /** The coordinator was used after it was closed. */
  CLOSED: 'ERR_BROOD_CLUSTER_CLOSED',
  /** A message for the leader found no instance holding the leader lease. */
  NO_LEADER: 'ERR_BROOD_NO_LEADER',
  /** A cross-host message is not JSON, or is larger than the bus carries. */
  BAD_MESSAGE: 'ERR_BROOD_CLUSTER_BAD_MESSAGE',
} as const;

/** Creates a {@link BroodError} with one of the codes above. */
export function clusterError(code: (typeof ClusterErrors)[keyof typeof ClusterErrors], message: string, cause?: unknown): BroodError {
  return cause === undefined ? new BroodError(code, message) : new BroodError(code, message, { cause });
}
