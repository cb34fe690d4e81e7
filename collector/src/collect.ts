// Turns a validated wire event into the collected event that goes to Kafka: server time, corrected
// event time, device/browser/OS from the User-Agent, bot flag, geo from the IP, anonymised IP.
// Pure apart from its injected lookups, so it is tested without a network.
import type { CollectedEvent, WireEvent } from '@clickstream/schema';
import { isbot } from 'isbot';
import { UAParser } from 'ua-parser-js';
import { anonymiseIp } from './anonymise-ip.ts';
import type { IpPolicy } from './config.ts';
import type { GeoLookup } from './geo.ts';

export interface RequestFacts {
  /** Server clock when the request arrived (epoch ms). */
  readonly receivedAt: number;
  /** The connection's client IP (after the trustProxy rule). */
  readonly ip: string | undefined;
  readonly userAgentHeader: string | undefined;
  readonly siteId: string;
  /** `sentAt` and `context` given once for a whole batch; events inherit them. */
  readonly batchSentAt?: string | undefined;
  readonly batchContext?: WireEvent['context'];
}

export interface CollectOptions {
  readonly ipPolicy: IpPolicy;
  readonly ipHashSalt: string | undefined;
  readonly futureToleranceMs: number;
}

const DEVICE_TYPES = new Set(['mobile', 'tablet', 'smarttv', 'console', 'wearable', 'embedded']);
type Device = CollectedEvent['device'];

function deviceOf(ua: UAParser.IResult | null): Device {
  if (!ua) return { type: 'unknown', vendor: null, model: null };
  const t = ua.device.type;
  // ua-parser-js leaves desktops without a device type.
  const type = (t && DEVICE_TYPES.has(t) ? t : 'desktop') as Device['type'];
  return { type, vendor: ua.device.vendor ?? null, model: ua.device.model ?? null };
}

/**
 * When the event happened. An explicit `timestamp` (server libraries) is taken as is; otherwise the
 * client's clock is corrected by how far it was off when sending:
 * `receivedAt - (sentAt - originalTimestamp)`. Times beyond `futureToleranceMs` ahead of the server
 * are not believed: the event gets `receivedAt` and is flagged.
 */
export function eventTime(
  wire: Pick<WireEvent, 'timestamp' | 'originalTimestamp' | 'sentAt'>,
  receivedAt: number,
  futureToleranceMs: number,
): { timestamp: number; futureTimestamp: boolean } {
  let t: number;
  if (wire.timestamp) t = Date.parse(wire.timestamp);
  else if (wire.originalTimestamp && wire.sentAt) {
    t = receivedAt - (Date.parse(wire.sentAt) - Date.parse(wire.originalTimestamp));
  } else if (wire.originalTimestamp) t = Date.parse(wire.originalTimestamp);
  else t = receivedAt;
  if (!Number.isFinite(t)) t = receivedAt;
  if (t > receivedAt + futureToleranceMs) return { timestamp: receivedAt, futureTimestamp: true };
  return { timestamp: t, futureTimestamp: false };
}

export function collect(
  wire: WireEvent,
  facts: RequestFacts,
  opts: CollectOptions,
  geo: GeoLookup,
): CollectedEvent {
  const sentAt = wire.sentAt ?? facts.batchSentAt;
  const { ip: contextIp, ...context } = { ...facts.batchContext, ...wire.context };
  const userAgent = context.userAgent ?? facts.userAgentHeader;
  const ua = userAgent ? new UAParser(userAgent).getResult() : null;
  // Server libraries report the end user's IP in context.ip; browsers' IP is the connection's.
  const ip = contextIp ?? facts.ip;
  const { timestamp, futureTimestamp } = eventTime(
    { ...wire, sentAt },
    facts.receivedAt,
    opts.futureToleranceMs,
  );
  const originalTimestamp = wire.originalTimestamp ?? wire.timestamp ?? null;
  return {
    type: wire.type,
    event: wire.type === 'track' ? (wire.event ?? null) : null,
    name: wire.type === 'page' ? (wire.name ?? null) : null,
    messageId: wire.messageId,
    anonymousId: wire.anonymousId ?? null,
    userId: wire.userId ?? null,
    sessionId: wire.sessionId ?? null,
    siteId: facts.siteId,
    receivedAt: new Date(facts.receivedAt).toISOString(),
    timestamp: new Date(timestamp).toISOString(),
    originalTimestamp,
    sentAt: sentAt ?? null,
    futureTimestamp,
    context: userAgent ? { ...context, userAgent } : context,
    properties: wire.properties ?? {},
    traits: wire.traits ?? (context.traits as Record<string, unknown> | undefined) ?? {},
    device: deviceOf(ua),
    browser: { name: ua?.browser.name ?? null, version: ua?.browser.version ?? null },
    os: { name: ua?.os.name ?? null, version: ua?.os.version ?? null },
    geo: geo(ip),
    isBot: userAgent ? isbot(userAgent) : false,
    ip: anonymiseIp(ip, opts.ipPolicy, opts.ipHashSalt),
  };
}
