// Device, browser, OS and bot flag from a User-Agent string (ua-parser-js 1.x, MIT; isbot).
// Parsing one string costs tens of microseconds, the largest single cost of an event, while real
// traffic repeats the same strings (every event of a visitor, every visitor of a browser release),
// so results are remembered for the most recently seen strings.
import type { CollectedEvent } from '@clickstream/schema';
import { isbot } from 'isbot';
import { UAParser } from 'ua-parser-js';

export interface UserAgentFacts {
  readonly device: CollectedEvent['device'];
  readonly browser: CollectedEvent['browser'];
  readonly os: CollectedEvent['os'];
  readonly isBot: boolean;
}

const DEVICE_TYPES = new Set(['mobile', 'tablet', 'smarttv', 'console', 'wearable', 'embedded']);
type Device = CollectedEvent['device'];

const UNKNOWN: UserAgentFacts = Object.freeze({
  device: Object.freeze({ type: 'unknown', vendor: null, model: null }),
  browser: Object.freeze({ name: null, version: null }),
  os: Object.freeze({ name: null, version: null }),
  isBot: false,
});

function parse(userAgent: string): UserAgentFacts {
  const ua = new UAParser(userAgent).getResult();
  const t = ua.device.type;
  // ua-parser-js leaves desktops without a device type.
  const type = (t && DEVICE_TYPES.has(t) ? t : 'desktop') as Device['type'];
  return Object.freeze({
    device: Object.freeze({ type, vendor: ua.device.vendor ?? null, model: ua.device.model ?? null }),
    browser: Object.freeze({ name: ua.browser.name ?? null, version: ua.browser.version ?? null }),
    os: Object.freeze({ name: ua.os.name ?? null, version: ua.os.version ?? null }),
    isBot: isbot(userAgent),
  });
}

/** Remembers the results for this many distinct strings (least recently used go first). */
export const USER_AGENT_CACHE_SIZE = 5000;
const cache = new Map<string, UserAgentFacts>();

/** No User-Agent means device type `unknown`, no browser, no OS, not a bot. Results are frozen. */
export function describeUserAgent(userAgent: string | undefined): UserAgentFacts {
  if (!userAgent) return UNKNOWN;
  let facts = cache.get(userAgent);
  if (facts !== undefined) {
    // Refresh its place: Map iterates in insertion order, so the first key is the least recent.
    cache.delete(userAgent);
  } else {
    facts = parse(userAgent);
    if (cache.size >= USER_AGENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  cache.set(userAgent, facts);
  return facts;
}
