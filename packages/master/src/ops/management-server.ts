import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@brood/core';
import { messageOf } from '@brood/errors';
import { appUrl } from '../listen-options.js';
import { bindError } from '../port-check.js';
import type { InstanceHealth, Verdict } from './instance-health.js';
import type { MasterMetrics } from './master-metrics.js';
import type { OperationsSettings } from './ops-options.js';

const TEXT = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' };

/**
 * The management port: served by the master itself, so it answers for the
 * whole instance from the first moment of start-up to the end of the stop,
 * with or without a live worker. GET (or HEAD) of the liveness and
 * readiness paths answer 200 or 503 with the reason; the metrics path
 * answers every process's metrics in Prometheus' text format.
 */
export class ManagementServer {
  readonly #ops: OperationsSettings;
  readonly #host: string | undefined;
  readonly #logger: Logger;
  readonly #health: InstanceHealth;
  readonly #metrics: MasterMetrics | undefined;
  #server: Server | undefined;

  constructor(options: {
    ops: OperationsSettings;
    host: string | undefined;
    logger: Logger;
    health: InstanceHealth;
    metrics: MasterMetrics | undefined;
  }) {
    this.#ops = options.ops;
    this.#host = options.ops.management?.host ?? options.host;
    this.#logger = options.logger;
    this.#health = options.health;
    this.#metrics = options.metrics;
  }

  /** Listens; resolves with its URL. A port in use stops start-up, naming it. */
  async listen(port: number): Promise<string> {
    // Loaded here, when a management port is asked for: a master without one loads no HTTP stack
    // (node:http and its parser, 0.4 MB of the master's RSS).
    const { createServer } = createRequire(import.meta.url)('node:http') as typeof import('node:http');
    const server = createServer((req, res) => void this.#answer(req, res));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        reject(bindError(`management port ${port}`, error.code, `cannot be bound: ${messageOf(error)}`, error));
      });
      server.listen(port, this.#host, resolve);
    });
    return appUrl({}, this.#host, (server.address() as AddressInfo).port);
  }

  close(): void {
    this.#server?.close();
    this.#server?.closeAllConnections();
  }

  async #answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const path = url.includes('?') ? url.slice(0, url.indexOf('?')) : url;
    const { liveness, readiness } = this.#ops.health;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...TEXT, allow: 'GET, HEAD' }).end('method not allowed\n');
    } else if (path === readiness) {
      this.#verdict(res, this.#health.ready());
    } else if (path === liveness) {
      this.#verdict(res, this.#health.live());
    } else if (path === this.#ops.metricsPath && this.#metrics !== undefined) {
      try {
        const { contentType, body } = await this.#metrics.scrape();
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body);
      } catch (error) {
        this.#logger.error({ err: error }, `metrics scrape failed: ${messageOf(error)}`);
        res.writeHead(500, TEXT).end(`metrics scrape failed: ${messageOf(error)}\n`);
      }
    } else {
      res.writeHead(404, TEXT).end('not found\n');
    }
  }

  #verdict(res: ServerResponse, verdict: Verdict): void {
    res.writeHead(verdict.ok ? 200 : 503, TEXT).end(`${verdict.reason}\n`);
  }
}
