// What happens to the events of one request, without HTTP: each is checked against the limits and
// the contract, attributed to a site by its write key and enriched (or, failing an enrichment rule,
// set aside for the dead-letter topic); then the write key's rate limit and the load-shedding bound
// apply; then the events go to Kafka, and the answer waits for the acknowledgement. app.ts turns the
// outcome into the HTTP response.
import {
  type CollectedEvent,
  DEAD_LETTER_HEADERS,
  partitionKey,
  type ValidationIssue,
  validateWireEvent,
  type WireEvent,
} from '@clickstream/schema';
import { collect, type DeadLetter, deadLetterValue, enrichmentRule } from './collect.ts';
import type { CollectorConfig, Site } from './config.ts';
import { eventLimitIssue } from './event-limits.ts';
import type { GeoLookup } from './geo.ts';
import type { CollectorMetrics, EventRejectReason } from './metrics.ts';
import { retryAfterSeconds, TokenBuckets } from './rate-limit.ts';

/** The part of the Kafka producer the collector needs (see @clickstream/infra/kafka EventProducer). */
export interface EventSink {
  send(topic: string, messages: readonly SinkMessage[]): Promise<unknown>;
}

export interface SinkMessage {
  readonly key: string;
  readonly value: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Seconds a client should wait before retrying after Kafka failed to acknowledge. */
export const RETRY_AFTER_SECONDS = 5;
/** Seconds a client should wait before retrying after being shed (a short overload). */
export const SHED_RETRY_AFTER_SECONDS = 1;

export interface Rejected {
  readonly index: number;
  readonly messageId?: string;
  readonly issues: readonly ValidationIssue[];
}

export interface Request {
  readonly events: readonly unknown[];
  /** Segment's batch envelope; a single-event request has only the event's writeKey here. */
  readonly envelope: { writeKey?: string | undefined; sentAt?: string | undefined; context?: unknown };
  readonly ip: string | undefined;
  readonly userAgentHeader: string | undefined;
  readonly authorization: string | undefined;
  /** The Origin header: set by browsers on cross-origin requests. */
  readonly origin?: string | undefined;
}

/** An event kept on the dead-letter topic instead of the events topic (stored: not to be resent). */
export interface DeadLettered extends DeadLetter {
  readonly index: number;
  readonly messageId: string;
}

export type Outcome =
  | {
      readonly status: 200;
      readonly body: { accepted: number; rejected: Rejected[]; deadLettered?: DeadLettered[] };
    }
  | {
      readonly status: 400 | 401;
      readonly body: { error: string; message: string; accepted: 0; rejected: Rejected[] };
    }
  | {
      readonly status: 429 | 503;
      readonly retryAfter: number;
      readonly body: { error: string; message: string };
    };

export interface IngestDeps {
  readonly sink: EventSink;
  readonly geo: GeoLookup;
  readonly now: () => number;
  readonly metrics: CollectorMetrics;
  readonly warn: (fields: Record<string, unknown>, message: string) => void;
  /** A produce Kafka did not acknowledge (logged aggregated: an outage fails every request). */
  readonly produceFailed: (err: string, events: number) => void;
}

export interface Ingest {
  accept(request: Request): Promise<Outcome>;
  /** Events handed to the producer and not yet acknowledged (or failed). */
  pendingEvents(): number;
}

function basicAuthUser(header: string | undefined): string | undefined {
  if (!header?.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const user = decoded.split(':')[0];
  return user || undefined;
}

/**
 * An event with the batch's `context` merged under its own (Segment's envelope), so that the merged
 * context is validated like any event's. Anything that is not an object is left for validation to reject.
 */
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function withBatchContext(event: unknown, batchContext: unknown): unknown {
  if (!isObject(batchContext) || !isObject(event)) return event;
  const own = event.context;
  if (own !== undefined && !isObject(own)) return event;
  return { ...event, context: { ...batchContext, ...own } };
}

function lookupOncePerIp(geo: GeoLookup): GeoLookup {
  const seen = new Map<string | undefined, ReturnType<GeoLookup>>();
  return (ip) => {
    let hit = seen.get(ip);
    if (hit === undefined) {
      hit = geo(ip);
      seen.set(ip, hit);
    }
    return hit;
  };
}

const messageIdOf = (raw: unknown): string | undefined =>
  typeof raw === 'object' && raw !== null && typeof (raw as { messageId?: unknown }).messageId === 'string'
    ? (raw as { messageId: string }).messageId
    : undefined;

export function createIngest(config: CollectorConfig, deps: IngestDeps): Ingest {
  const { metrics } = deps;
  const sitesByKey = new Map<string, Site>(config.sites.map((s) => [s.writeKey, s]));
  const siteBuckets =
    config.rateLimitKeyPerMinute > 0 ? new TokenBuckets({ perMinute: config.rateLimitKeyPerMinute }) : null;
  let pending = 0;
  const rejectEvents = (reason: EventRejectReason, n: number) => metrics.eventsRejected.inc({ reason }, n);

  async function accept(request: Request): Promise<Outcome> {
    const { events, envelope } = request;
    const requestKey = basicAuthUser(request.authorization) ?? envelope.writeKey;
    const receivedAt = deps.now();
    // The events of a batch nearly always share one IP (the connection's): look it up once.
    const geo = events.length > 1 ? lookupOncePerIp(deps.geo) : deps.geo;
    const accepted: CollectedEvent[] = [];
    const rejected: Rejected[] = [];
    const dead: DeadLettered[] = [];
    const deadMessages: SinkMessage[] = [];
    const deadSites: string[] = [];
    // Per rejected event: counted by reason and listed with its index (and messageId, if it has one).
    const reject = (index: number, raw: unknown, reason: EventRejectReason, issues: ValidationIssue[]) => {
      rejectEvents(reason, 1);
      const messageId = messageIdOf(raw);
      rejected.push({ index, ...(messageId ? { messageId } : {}), issues });
    };
    for (let index = 0; index < events.length; index++) {
      const raw = withBatchContext(events[index], envelope.context);
      const tooBig = eventLimitIssue(raw);
      if (tooBig) {
        reject(index, raw, 'too_large', [tooBig]);
        continue;
      }
      const result = validateWireEvent(raw);
      if (!result.ok) {
        reject(index, raw, 'invalid', [...result.issues]);
        continue;
      }
      const wire: WireEvent = result.value;
      const key = wire.writeKey ?? requestKey;
      const site = key === undefined ? undefined : sitesByKey.get(key);
      if (!site) {
        reject(index, raw, 'unauthorized', [
          { path: '/writeKey', message: key === undefined ? 'write key is required' : 'unknown write key' },
        ]);
        continue;
      }
      if (request.origin !== undefined && !site.origins.includes(request.origin)) {
        reject(index, raw, 'unauthorized', [
          { path: '/writeKey', message: `this write key is not allowed from origin ${request.origin}` },
        ]);
        continue;
      }
      const facts = {
        receivedAt,
        ip: request.ip,
        trustContextIp: site.trustContextIp,
        userAgentHeader: request.userAgentHeader,
        siteId: site.siteId,
        batchSentAt: envelope.sentAt,
      };
      let problem = enrichmentRule(wire, facts);
      if (!problem) {
        try {
          accepted.push(collect(wire, facts, config, geo));
        } catch (err) {
          // The message may quote its input; the raw IP must not reach Kafka or the log this way.
          let detail = err instanceof Error ? err.message : String(err);
          for (const ip of [request.ip, wire.context?.ip]) if (ip) detail = detail.split(ip).join('<ip>');
          problem = { reason: 'enrichment-failed', detail };
          deps.warn({ siteId: site.siteId, messageId: wire.messageId, detail }, 'enrichment failed');
        }
      }
      if (problem) {
        dead.push({ index, messageId: wire.messageId, ...problem });
        deadSites.push(site.siteId);
        deadMessages.push({
          key: partitionKey({
            anonymousId: wire.anonymousId ?? null,
            userId: wire.userId ?? null,
            messageId: wire.messageId,
          }),
          value: deadLetterValue(wire, facts),
          headers: {
            [DEAD_LETTER_HEADERS.reason]: problem.reason,
            [DEAD_LETTER_HEADERS.detail]: problem.detail.slice(0, 500),
            [DEAD_LETTER_HEADERS.stage]: 'collector',
            [DEAD_LETTER_HEADERS.siteId]: site.siteId,
            [DEAD_LETTER_HEADERS.receivedAt]: new Date(receivedAt).toISOString(),
          },
        });
      }
    }

    // Dead-lettered events are stored too (on their own topic): they count like accepted ones for
    // load shedding and the write key's budget, and make the request a success.
    const stored = accepted.length + dead.length;
    if (stored === 0) {
      const keyProblem = rejected.every((r) => r.issues.every((i) => i.path === '/writeKey'));
      return keyProblem
        ? {
            status: 401,
            body: {
              error: 'unauthorized',
              message: 'a known write key is required (body writeKey or HTTP Basic user)',
              accepted: 0,
              rejected,
            },
          }
        : {
            status: 400,
            body: { error: 'invalid_events', message: 'no valid event', accepted: 0, rejected },
          };
    }

    // Load shedding: the producer is already behind; waiting longer helps nobody.
    if (pending > 0 && pending + stored > config.maxPendingEvents) {
      rejectEvents('overloaded', stored);
      return overloaded();
    }
    if (siteBuckets) {
      const perSite = new Map<string, number>();
      for (const e of accepted) perSite.set(e.siteId, (perSite.get(e.siteId) ?? 0) + 1);
      for (const siteId of deadSites) perSite.set(siteId, (perSite.get(siteId) ?? 0) + 1);
      let wait = 0;
      for (const [siteId, n] of perSite) wait = Math.max(wait, siteBuckets.take(siteId, n, receivedAt));
      if (wait > 0) {
        rejectEvents('rate_limited', stored);
        return {
          status: 429,
          retryAfter: retryAfterSeconds(wait),
          body: { error: 'rate_limited', message: 'too many events for this write key' },
        };
      }
    }

    // Serialized before the try: only a failure of Kafka itself may become a 503 to retry.
    const messages = accepted.map((e) => ({ key: partitionKey(e), value: JSON.stringify(e) }));
    pending += stored;
    metrics.eventsPending.set(pending);
    const stopTimer = metrics.produceDuration.startTimer();
    try {
      if (dead.length === 0) await deps.sink.send(config.topics.events, messages);
      else await sendBoth(deps.sink, config.topics, messages, deadMessages);
    } catch (err) {
      // Never a false 2xx: the client keeps the events and retries.
      metrics.produceErrors.inc();
      rejectEvents('kafka_error', stored);
      deps.produceFailed(err instanceof Error ? err.message : String(err), stored);
      return {
        status: 503,
        retryAfter: RETRY_AFTER_SECONDS,
        body: { error: 'unavailable', message: 'events could not be stored; retry later' },
      };
    } finally {
      stopTimer();
      pending -= stored;
      metrics.eventsPending.set(pending);
    }
    metrics.eventsAccepted.inc(accepted.length);
    if (dead.length === 0) return { status: 200, body: { accepted: accepted.length, rejected } };
    for (const d of dead) metrics.eventsDeadLettered.inc({ reason: d.reason });
    return { status: 200, body: { accepted: accepted.length, rejected, deadLettered: dead } };
  }

  return { accept, pendingEvents: () => pending };
}

/** Events and dead letters of one request; settles when both did, rejects if either failed. */
async function sendBoth(
  sink: EventSink,
  topics: CollectorConfig['topics'],
  messages: readonly SinkMessage[],
  deadMessages: readonly SinkMessage[],
): Promise<void> {
  const results = await Promise.allSettled([
    messages.length > 0 ? sink.send(topics.events, messages) : undefined,
    sink.send(topics.deadLetter, deadMessages),
  ]);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

/** The answer when load is shed. */
export function overloaded(): Outcome {
  return {
    status: 503,
    retryAfter: SHED_RETRY_AFTER_SECONDS,
    body: { error: 'overloaded', message: 'too many events in flight; retry soon' },
  };
}
