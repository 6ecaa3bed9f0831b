import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@brood/core';
import { monotonicMs } from '@brood/messenger';
import { pathOf } from '../middleware-match.js';

/** Options of the access log (`config.accessLog`). */
export interface AccessLogOptions {
  /** Default: on in env `local` (`brood dev`), off everywhere else. */
  enable?: boolean;
  /** Log only the requests these paths or RegExps match (docs/middleware.md). */
  match?: string | RegExp | Array<string | RegExp>;
  /** Log every request but those these paths or RegExps match. */
  ignore?: string | RegExp | Array<string | RegExp>;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** True when the access log is on for this env and config. */
export function accessLogOn(options: AccessLogOptions | undefined, env: string): boolean {
  return options?.enable ?? env === 'local';
}

/**
 * Wraps the server's request listener so that each request logs one line
 * when its connection is done with it: method, path (without the query,
 * which may carry secrets), status, ms and request id (made now if nothing
 * asked for it before; none when request ids are off). Only installed when
 * on: when off, the listener is the unwrapped one, and a request pays
 * nothing for the feature (docs/logging.md has the figures).
 */
export function withAccessLog(handle: Listener, logger: Logger, requestIdOf?: (req: IncomingMessage) => string | undefined): Listener {
  return (req, res) => {
    const started = monotonicMs();
    res.once('close', () => {
      const ms = Math.round((monotonicMs() - started) * 10) / 10;
      const path = pathOf(req);
      const status = res.statusCode;
      const fields = {
        method: req.method,
        path,
        status,
        ms,
        requestId: requestIdOf?.(req),
        ...(res.writableEnded ? {} : { aborted: true }),
      };
      logger.info(fields, `${req.method} ${path} ${status} ${ms}ms${res.writableEnded ? '' : ' (aborted)'}`);
    });
    handle(req, res);
  };
}
