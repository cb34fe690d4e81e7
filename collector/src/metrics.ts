// The collector's Prometheus metrics, served at GET /metrics. Each app gets its own registry (no
// prom-client global), so tests and several apps in one process never share counters.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { DeadLetterReason } from './collect.ts';

/** Why events were not accepted; the `reason` label of `collector_events_rejected_total`. */
export type EventRejectReason =
  | 'invalid' // fails the WireEvent schema
  | 'too_large' // one event above MAX_EVENT_BYTES or nested deeper than MAX_EVENT_DEPTH
  | 'unauthorized' // missing or unknown write key
  | 'rate_limited' // the write key's budget is used up (429)
  | 'overloaded' // too many events waiting on Kafka (503, load shedding)
  | 'kafka_error'; // Kafka did not acknowledge (503)

/** Why whole requests were refused before their events were counted (`collector_requests_rejected_total`). */
export type RequestRejectReason =
  | 'invalid_body' // the envelope fails the route schema
  | 'invalid_json'
  | 'invalid_utf8' // the body's bytes are not UTF-8 (400)
  | 'invalid_encoding' // the body is not valid data for its Content-Encoding (400)
  | 'unsupported_media_type' // a content type, charset or content encoding not read here (415)
  | 'too_large' // body above MAX_BATCH_BYTES (413), decoded size for compressed bodies
  | 'rate_limited' // the client IP's budget is used up (429)
  | 'overloaded' // shed before the body was read (503)
  | 'aborted' // the client went away before its body was in (nothing to answer)
  | 'timeout'; // cut for sending too slowly: headers, request or a stalled body (cut-slow-requests.ts)

export interface CollectorMetrics {
  readonly registry: Registry;
  readonly eventsAccepted: Counter;
  readonly eventsDeadLettered: Counter<'reason'>;
  readonly eventsRejected: Counter<'reason'>;
  readonly requestsRejected: Counter<'reason'>;
  readonly produceDuration: Histogram;
  readonly produceErrors: Counter;
  readonly requestsInFlight: Gauge;
  readonly eventsPending: Gauge;
}

const EVENT_REASONS: readonly EventRejectReason[] = [
  'invalid',
  'too_large',
  'unauthorized',
  'rate_limited',
  'overloaded',
  'kafka_error',
];
const DEAD_LETTER_REASONS: readonly DeadLetterReason[] = ['invalid-context-ip', 'enrichment-failed'];
const REQUEST_REASONS: readonly RequestRejectReason[] = [
  'invalid_body',
  'invalid_json',
  'invalid_utf8',
  'invalid_encoding',
  'unsupported_media_type',
  'too_large',
  'rate_limited',
  'overloaded',
  'aborted',
  'timeout',
];

/**
 * The collector's metrics in a fresh registry. `processMetrics` adds prom-client's default
 * process and Node.js metrics (CPU, memory, event loop lag); the server turns it on, tests do not.
 */
export function createMetrics(opts: { processMetrics?: boolean } = {}): CollectorMetrics {
  const registry = new Registry();
  if (opts.processMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const metrics: CollectorMetrics = {
    registry,
    eventsAccepted: new Counter({
      name: 'collector_events_accepted_total',
      help: 'Events acknowledged by Kafka and answered with a 2xx',
      registers,
    }),
    eventsDeadLettered: new Counter({
      name: 'collector_events_dead_lettered_total',
      help: 'Events that passed the contract, failed an enrichment rule and were acknowledged on the dead-letter topic, by reason (invalid-context-ip, enrichment-failed)',
      labelNames: ['reason'],
      registers,
    }),
    eventsRejected: new Counter({
      name: 'collector_events_rejected_total',
      help: 'Events not accepted, by reason (invalid, too_large, unauthorized, rate_limited, overloaded, kafka_error)',
      labelNames: ['reason'],
      registers,
    }),
    requestsRejected: new Counter({
      name: 'collector_requests_rejected_total',
      help: 'Requests refused before their events could be counted, by reason',
      labelNames: ['reason'],
      registers,
    }),
    produceDuration: new Histogram({
      name: 'collector_produce_duration_seconds',
      help: 'Time from handing the events of a request to the Kafka producer until all were acknowledged (or failed)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    produceErrors: new Counter({
      name: 'collector_kafka_produce_errors_total',
      help: 'Produce calls that Kafka did not acknowledge (each answered 503)',
      registers,
    }),
    requestsInFlight: new Gauge({
      name: 'collector_http_requests_in_flight',
      help: 'HTTP requests received and not yet answered (a scrape counts itself)',
      registers,
    }),
    eventsPending: new Gauge({
      name: 'collector_events_pending',
      help: 'Events handed to the Kafka producer and not yet acknowledged (load shedding bound: MAX_PENDING_EVENTS)',
      registers,
    }),
  };
  // Every reason is present from the start (at 0), so rate() works before the first rejection.
  for (const reason of EVENT_REASONS) metrics.eventsRejected.inc({ reason }, 0);
  for (const reason of DEAD_LETTER_REASONS) metrics.eventsDeadLettered.inc({ reason }, 0);
  for (const reason of REQUEST_REASONS) metrics.requestsRejected.inc({ reason }, 0);
  return metrics;
}
