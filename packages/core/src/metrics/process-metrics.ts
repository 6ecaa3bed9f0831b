import { createRequire } from 'node:module';
import type { Envelope, Messenger, MetricSnapshot, RequestObserver, Transport } from '@brood/messenger';
import type * as PromClient from 'prom-client';

let client: typeof PromClient | undefined;
let registry: PromClient.Registry | undefined;

/**
 * prom-client, loaded on first use: a process with metrics off that never
 * reads `app.metrics` does not load it (it adds ~15 ms to a boot).
 */
export function promClient(): typeof PromClient {
  client ??= createRequire(import.meta.url)('prom-client') as typeof PromClient;
  return client;
}

/** This process's Prometheus registry: Brood's metrics and the app's own, scraped by the master. */
export function processRegistry(): PromClient.Registry {
  registry ??= new (promClient().Registry)();
  return registry;
}

/** Buckets in seconds for durations from a millisecond to half a minute. */
export const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The envelopes that are the messenger's own traffic: actions, Brood's calls, and their replies. */
const MESSAGE_TYPES = new Set(['action', 'call', 'reply']);

/** How many messages an envelope (or a batch of them) carries; unchecked input counts as what it claims. */
function messagesIn(value: unknown): number {
  const envelope = value as Partial<Envelope> | null;
  if (typeof envelope !== 'object' || envelope === null) return 0;
  if (envelope.type === 'batch') {
    const inner = (envelope as { messages?: unknown }).messages;
    return Array.isArray(inner) ? inner.filter((m) => MESSAGE_TYPES.has((m as { type?: string } | null)?.type ?? '')).length : 0;
  }
  return MESSAGE_TYPES.has(envelope.type ?? '') ? 1 : 0;
}

/**
 * The messenger's metrics: messages sent and received through this
 * process's channel, and how long requests and calls take. Made only with
 * metrics on: then the channel is wrapped to count, otherwise nothing is.
 */
export class MessengerMetrics {
  #sent = 0;
  #received = 0;
  /** Times requests: give it to the messenger. */
  readonly observe: RequestObserver;

  constructor(registry: PromClient.Registry) {
    const { Counter, Histogram } = promClient();
    const latency = new Histogram({
      name: 'brood_messenger_request_duration_seconds',
      help: 'Time from a messenger request (or Brood call) to its reply, by outcome',
      labelNames: ['outcome'],
      buckets: DURATION_BUCKETS,
      registers: [registry],
    });
    this.observe = (ms, ok) => latency.observe({ outcome: ok ? 'ok' : 'error' }, ms / 1000);
    const counts = { sent: () => this.#sent, received: () => this.#received };
    new Counter({
      name: 'brood_messenger_messages_total',
      help: 'Messenger messages (actions, calls, replies) through this process, by direction',
      labelNames: ['direction'],
      registers: [registry],
      collect() {
        // Read at scrape time from two plain numbers: counting costs an addition per message.
        this.reset();
        this.inc({ direction: 'sent' }, counts.sent());
        this.inc({ direction: 'received' }, counts.received());
      },
    });
  }

  /** The channel, counting what crosses it. */
  transport(inner: Transport): Transport {
    return {
      send: (message, written) => {
        this.#sent += messagesIn(message);
        return inner.send(message, written);
      },
      onMessage: (listener) =>
        inner.onMessage((raw) => {
          this.#received += messagesIn(raw);
          listener(raw);
        }),
    };
  }
}

/**
 * Turns this process's metrics on: every series labelled with its role and
 * slot (the worker's stable position, 0 for the agent), prom-client's
 * default metrics (CPU, memory, heap, event-loop lag, GC), and the answer
 * to the master's `metrics:collect`.
 */
export function enableProcessMetrics(role: 'agent' | 'worker', slot: number, messenger: Messenger<unknown>): PromClient.Registry {
  const registry = processRegistry();
  registry.setDefaultLabels({ role, slot: String(slot) });
  promClient().collectDefaultMetrics({ register: registry });
  messenger.handle('metrics:collect', async () => (await registry.getMetricsAsJSON()) as unknown as MetricSnapshot[]);
  return registry;
}
