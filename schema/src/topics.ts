// Kafka topic names, the partition key rule and dead-letter headers: the contract between the
// collector (producer) and the processor (consumer).
import type { CollectedEvent } from './collected-event.ts';

export interface Topics {
  /** Collected events, JSON (one CollectedEvent per message), keyed by `partitionKey`. */
  readonly events: string;
  /** Messages that could not be processed, with the reason in headers (`DEAD_LETTER_HEADERS`). */
  readonly deadLetter: string;
}

export const DEFAULT_TOPIC_PREFIX = 'clickstream';

/**
 * Topic names under a prefix. Deployments use the default; tests pass a fresh prefix so they never
 * share topics. A prefix is a legal topic name without `..` and at most 200 characters.
 */
export function topicNames(prefix: string = DEFAULT_TOPIC_PREFIX): Topics {
  if (!/^[a-zA-Z0-9._-]{1,200}$/.test(prefix) || prefix.includes('..')) {
    throw new Error(`invalid topic prefix ${JSON.stringify(prefix)}: use letters, digits, . _ -`);
  }
  return { events: `${prefix}.events`, deadLetter: `${prefix}.events.dead-letter` };
}

/**
 * Who an event is attributed to in every metric: the `anonymousId`, or `user:<userId>` for events
 * from server libraries that send only a `userId` (the batch's SQL spells the same rule as
 * `coalesce(anonymous_id, 'user:' || user_id)`).
 */
export function visitorId(e: Pick<CollectedEvent, 'anonymousId' | 'userId'>): string | null {
  if (e.anonymousId) return e.anonymousId;
  if (e.userId) return `user:${e.userId}`;
  return null;
}

/**
 * The message key: the visitor id, so one visitor's events go to one partition, stay in order,
 * and distinct visitors counted per partition add up exactly across partitions. (An event with
 * neither id is invalid; `m:<messageId>` only keeps the function total.)
 */
export function partitionKey(e: Pick<CollectedEvent, 'anonymousId' | 'userId' | 'messageId'>): string {
  return visitorId(e) ?? `m:${e.messageId}`;
}

/** Headers on dead-letter messages. Values are UTF-8 strings. */
export const DEAD_LETTER_HEADERS = {
  /**
   * Machine-readable reason. From the collector: `invalid-context-ip`, `enrichment-failed`; from
   * the processor: `invalid-json`, `invalid-collected-event`.
   */
  reason: 'x-dead-letter-reason',
  /** Human-readable detail (first validation error, exception message). */
  detail: 'x-dead-letter-detail',
  /** Which stage sent it: `collector` or `processor`. */
  stage: 'x-dead-letter-stage',
  /** Source topic, partition and offset for messages re-routed by the processor. */
  source: 'x-dead-letter-source',
  /** The site whose write key sent the event (collector). */
  siteId: 'x-dead-letter-site-id',
  /** When the collector received the event, ISO 8601 (collector). */
  receivedAt: 'x-dead-letter-received-at',
} as const;
