import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ProbePaths, ProcessHealth } from '@brood/core';

/** Answers a request before the gate and the app, or says it is not its to answer. */
export type EarlyAnswer = (req: IncomingMessage, res: ServerResponse) => boolean;

const HEADERS = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' };

function answer(res: ServerResponse, ok: boolean, text: string): true {
  res.writeHead(ok ? 200 : 503, HEADERS);
  res.end(`${text}\n`);
  return true;
}

/** True when `url` is `path`, with or without a query string. */
function isPath(url: string, path: string): boolean {
  return url === path || (url.startsWith(path) && url.charCodeAt(path.length) === 63) /* ? */;
}

/**
 * The health probes on the app port, answered on Node's request before the
 * gate that holds requests until the app is ready, and before koa: a probe
 * costs no middleware, and the app's own routes never see one.
 * - readiness: 200 once the master said the app serves (`app:ready`), 503
 *   before and from the first moment of a stop (`app:stopping`);
 * - liveness: 200 while the master's last heartbeat said the instance is
 *   live, 503 when it has lost its workers or one of them is wedged.
 * Any method is answered (GET and HEAD are what probes send).
 */
export function probeAnswer(paths: ProbePaths, health: ProcessHealth): EarlyAnswer | undefined {
  const { liveness, readiness } = paths;
  if (liveness === null && readiness === null) return undefined;
  return (req, res) => {
    const url = req.url as string;
    if (readiness !== null && isPath(url, readiness)) return answer(res, health.ready, health.ready ? 'ready' : 'not ready');
    if (liveness !== null && isPath(url, liveness)) return answer(res, health.live, health.live ? 'live' : 'not live');
    return false;
  };
}

/** Runs each early step in turn until one answers. */
export function chain(steps: Array<EarlyAnswer | undefined>): EarlyAnswer | undefined {
  const present = steps.filter((step): step is EarlyAnswer => step !== undefined);
  if (present.length <= 1) return present[0];
  return (req, res) => {
    for (const step of present) if (step(req, res)) return true;
    return false;
  };
}
