// Turns a validated wire event into the collected event that goes to Kafka: server time, corrected
// event time, device/browser/OS from the User-Agent, bot flag, geo from the IP, anonymised IP.
// Pure apart from its injected lookups, so it is tested without a network.
import { isIP } from 'node:net';
import { CollectedContext, type CollectedEvent, type WireEvent } from '@clickstream/schema';
import { anonymiseIp } from './anonymise-ip.ts';
import type { IpPolicy } from './config.ts';
import { describeUserAgent } from './describe-user-agent.ts';
import type { GeoLookup } from './geo.ts';

export interface RequestFacts {
  /** Server clock when the request arrived (epoch ms). */
  readonly receivedAt: number;
  /** The connection's client IP (after the trustProxy rule). */
  readonly ip: string | undefined;
  readonly userAgentHeader: string | undefined;
  readonly siteId: string;
  /**
   * A server site: its back end sends the events (server-side libraries), so the end user's IP is
   * taken from `context.ip` and the User-Agent header, which names the library, is not the person's.
   */
  readonly trustContextIp?: boolean;
  /** `sentAt` given once for a whole batch; events inherit it. (The batch `context` is merged into
   * each event before validation, by the app.) */
  readonly batchSentAt?: string | undefined;
}

export interface CollectOptions {
  readonly ipPolicy: IpPolicy;
  readonly ipHashSalt: string | undefined;
  readonly futureToleranceMs: number;
}

// Clients send context fields we do not model (Segment's `app`, `device`, `os`, ...); the collected
// context keeps only the modelled ones, so every produced event matches CollectedEvent.
const CONTEXT_KEYS = Object.keys(CollectedContext.properties);

const FIRST_TIME = Date.parse('0000-01-01T00:00:00.000Z');
const LAST_TIME = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * When the event happened. The client's clock at creation, corrected by how far that clock was off
 * when sending (Segment's rule): `receivedAt - (sentAt - created)`, where `created` is
 * `originalTimestamp` (our SDK, RudderStack) or, when only `timestamp` is sent, `timestamp`
 * (Segment's own libraries put their creation clock there). A `timestamp` sent beside an
 * `originalTimestamp` was set deliberately (RudderStack's SDKs send the caller's own there; events
 * replayed from a warehouse carry the corrected one) and is taken as is, as RudderStack does.
 * Without `sentAt` the client time is taken as is; without any client time, `receivedAt`. Times
 * beyond `futureToleranceMs` ahead of the server are not believed: `receivedAt`, flagged.
 */
export function eventTime(
  wire: Pick<WireEvent, 'timestamp' | 'originalTimestamp' | 'sentAt'>,
  receivedAt: number,
  futureToleranceMs: number,
): { timestamp: number; futureTimestamp: boolean } {
  const deliberate = wire.timestamp !== undefined && wire.originalTimestamp !== undefined;
  const created = wire.originalTimestamp ?? wire.timestamp;
  let t: number;
  if (deliberate) t = Date.parse(wire.timestamp as string);
  else if (created && wire.sentAt) t = receivedAt - (Date.parse(wire.sentAt) - Date.parse(created));
  else if (created) t = Date.parse(created);
  else t = receivedAt;
  // A wild client clock (sentAt in the year 9999) can correct a time out of RFC 3339's four-digit
  // years, which no reader accepts; such a time is not believed either.
  if (!Number.isFinite(t) || t < FIRST_TIME || t > LAST_TIME) t = receivedAt;
  if (t > receivedAt + futureToleranceMs) return { timestamp: receivedAt, futureTimestamp: true };
  return { timestamp: t, futureTimestamp: false };
}

/**
 * The User-Agent that describes the person behind an event. A server site's requests come from the
 * shop's back end, so their User-Agent header names an HTTP library (analytics-node-next, axios,
 * okhttp, Go-http-client, ...) that bot lists rightly flag: there only a browser User-Agent the
 * library relays in `context.userAgent` counts. A browser's own header counts when the event has none.
 */
export function personUserAgent(
  contextUserAgent: string | undefined,
  facts: Pick<RequestFacts, 'trustContextIp' | 'userAgentHeader'>,
): string | undefined {
  return facts.trustContextIp ? contextUserAgent : (contextUserAgent ?? facts.userAgentHeader);
}

/** Why an event that passed the contract went to the dead-letter topic (`x-dead-letter-reason`). */
export type DeadLetterReason =
  | 'invalid-context-ip' // a site that trusts context.ip sent one that is not an IP address
  | 'enrichment-failed'; // enriching the event threw (a corrupt geo database, a parser bug, ...)

export interface DeadLetter {
  readonly reason: DeadLetterReason;
  readonly detail: string;
}

/**
 * The enrichment rules an event can fail after passing the contract. Such an event is kept, on the
 * dead-letter topic, rather than stored with enrichment silently missing:
 * - `invalid-context-ip`: the site trusts `context.ip` (server-side libraries) and the event's is not
 *   an IPv4 or IPv6 address, so neither geo nor the IP policy can apply. (Sites that do not trust
 *   it never read it.)
 * A thrown error while enriching (`enrichment-failed`) is caught by the caller.
 */
export function enrichmentRule(
  wire: Pick<WireEvent, 'context'>,
  facts: Pick<RequestFacts, 'trustContextIp'>,
): DeadLetter | undefined {
  const ip = wire.context?.ip;
  if (facts.trustContextIp && ip !== undefined && isIP(ip) === 0)
    return { reason: 'invalid-context-ip', detail: 'context.ip is not an IPv4 or IPv6 address' };
  return undefined;
}

/**
 * The dead-letter message value: the event as the collector saw it (batch context and sentAt merged
 * in, a browser's User-Agent header as context.userAgent when the event has none), so it can be
 * posted again once the cause is fixed; without `context.ip` and `writeKey`, which are never stored.
 */
export function deadLetterValue(wire: WireEvent, facts: RequestFacts): string {
  const { writeKey: _key, context: wireContext, ...event } = wire;
  const { ip: _ip, ...context } = wireContext ?? {};
  const userAgent = personUserAgent(context.userAgent, facts);
  return JSON.stringify({
    ...event,
    ...(event.sentAt === undefined && facts.batchSentAt !== undefined ? { sentAt: facts.batchSentAt } : {}),
    context: userAgent === undefined ? context : { ...context, userAgent },
  });
}

export function collect(
  wire: WireEvent,
  facts: RequestFacts,
  opts: CollectOptions,
  geo: GeoLookup,
): CollectedEvent {
  const sentAt = wire.sentAt ?? facts.batchSentAt;
  const wireContext = (wire.context ?? {}) as Record<string, unknown>;
  const contextIp = wire.context?.ip;
  const kept: Record<string, unknown> = {};
  for (const k of CONTEXT_KEYS) if (wireContext[k] !== undefined) kept[k] = wireContext[k];
  const context = kept as CollectedEvent['context'];
  const userAgent = personUserAgent(context.userAgent, facts);
  const ua = describeUserAgent(userAgent);
  // Server libraries report the end user's IP in context.ip (honoured only for sites configured to
  // trust it); browsers' IP is the connection's.
  const ip = (facts.trustContextIp ? contextIp : undefined) ?? facts.ip;
  const { timestamp, futureTimestamp } = eventTime(
    { timestamp: wire.timestamp, originalTimestamp: wire.originalTimestamp, sentAt },
    facts.receivedAt,
    opts.futureToleranceMs,
  );
  const originalTimestamp = wire.originalTimestamp ?? wire.timestamp ?? null;
  const { type } = wire;
  return {
    type,
    event: type === 'track' ? (wire.event ?? null) : null,
    name: type === 'page' || type === 'screen' ? (wire.name ?? null) : null,
    messageId: wire.messageId,
    anonymousId: wire.anonymousId ?? null,
    userId: wire.userId ?? null,
    sessionId: wire.sessionId ?? null,
    groupId: type === 'group' ? (wire.groupId ?? null) : null,
    previousId: type === 'alias' ? (wire.previousId ?? null) : null,
    siteId: facts.siteId,
    receivedAt: new Date(facts.receivedAt).toISOString(),
    timestamp: new Date(timestamp).toISOString(),
    originalTimestamp,
    sentAt: sentAt ?? null,
    futureTimestamp,
    context: userAgent ? { ...context, userAgent } : context,
    properties: wire.properties ?? {},
    // A group's traits describe the group; context.traits (the user's) must not stand in for them.
    traits:
      wire.traits ??
      (type === 'group' ? undefined : (context.traits as Record<string, unknown> | undefined)) ??
      {},
    device: ua.device,
    browser: ua.browser,
    os: ua.os,
    geo: geo(ip),
    isBot: ua.isBot,
    ip: anonymiseIp(ip, opts.ipPolicy, opts.ipHashSalt),
  };
}
