// The tracker: builds Segment-shaped events, keeps identity, session and consent, queues events in
// storage (so a navigation or a closed tab does not lose them) and delivers them in batches with
// retries. Every dependency on the browser (transport, storage, clock, ids, timers) is a parameter,
// so the logic is testable without a browser. Never throws into the host page.
//
// Delivery: a batch leaves the queue only when the collector answered 2xx, or when it refused it
// for good (4xx other than 408/429); beacons sent while the page goes away do not count. 408, 429, 5xx
// and network failures are retried with exponential backoff (1 s doubling to 5 min) with jitter,
// or after the `Retry-After` the collector sent.
import type { WireEvent } from '@clickstream/schema';
import type { Properties } from './types.ts';

export type { Properties };

export const SDK_NAME = 'clickstream-sdk';
export const SDK_VERSION = '0.2.0';

const SESSION_IDLE_MS = 30 * 60_000;
const SESSION_MAX_MS = 24 * 3_600_000;
const MAX_BATCH = 100;
const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 300_000;

/** HTTP status (0 for a network failure) and the collector's `Retry-After` in ms, if any. */
export type SendResult = readonly [status: number, retryAfterMs?: number];

export interface Transport {
  /** Sends a batch body. Must not throw (a network failure is status 0). */
  send(url: string, body: string): Promise<SendResult>;
  /** Best-effort send while the page goes away; true when the browser took it. */
  beacon(url: string, body: string): boolean;
}

export interface KeyValueStore {
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
  keys(): string[];
}

export type Context = NonNullable<WireEvent['context']>;

export interface TrackerOptions {
  readonly writeKey: string;
  /** Collector base URL, e.g. `https://collect.example.com`. */
  readonly endpoint: string;
  readonly transport: Transport;
  readonly storage: KeyValueStore;
  readonly now?: () => number;
  readonly uuid?: () => string;
  readonly random?: () => number;
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  /** Page facts at the time of an event. */
  readonly context?: () => Context;
  /** Send when this many events are queued (default 20). */
  readonly flushAt?: number;
  /** The most events kept while the collector is unreachable; the oldest go first (default 1000). */
  readonly maxQueue?: number;
  /** The browser asks not to be tracked (Do-Not-Track or Global Privacy Control) and the site honours it. */
  readonly doNotTrack?: boolean;
  /** console.warn for dropped events and refused batches. */
  readonly debug?: boolean;
}

export interface Tracker {
  page(name?: string, properties?: Properties): void;
  track(event: string, properties?: Properties): void;
  identify(userId: string, traits?: Properties): void;
  /** Forgets the user: new anonymous id and session, no user id (e.g. on logout). */
  reset(): void;
  /** Stops tracking and drops what is queued; remembered in storage. */
  optOut(): void;
  /** Tracking allowed again (also overrides Do-Not-Track / GPC when the site honours those). */
  optIn(): void;
  /** Sends what is queued now. With `beacon`, uses the unload-safe path. */
  flush(beacon?: boolean): Promise<void>;
}

interface Session {
  id: string;
  start: number;
  last: number;
}

export function createTracker(opts: TrackerOptions): Tracker {
  const now = opts.now ?? Date.now;
  // crypto.randomUUID exists only on https and localhost pages; getRandomValues everywhere.
  const uuid =
    opts.uuid ??
    (() => {
      const b = crypto.getRandomValues(new Uint8Array(16));
      b[6] = ((b[6] as number) & 15) | 64;
      b[8] = ((b[8] as number) & 63) | 128;
      const h = Array.from(b, (x) => (x + 256).toString(16).slice(1)).join('');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    });
  const random = opts.random ?? Math.random;
  const setTimer = opts.setTimer ?? setTimeout;
  const flushAt = opts.flushAt ?? 20;
  const maxQueue = opts.maxQueue ?? 1000;
  const store = opts.storage;
  const url = `${opts.endpoint.replace(/\/+$/, '')}/v1/batch`;
  const warn = (...args: unknown[]) => opts.debug && console.warn('[clickstream]', ...args);

  const read = <T>(key: string): T | null => {
    try {
      return JSON.parse(store.get(key) as string) as T;
    } catch {
      return null;
    }
  };
  const write = (key: string, value: unknown) => {
    try {
      store.set(key, JSON.stringify(value));
    } catch {
      // Blocked storage: identity and session then last only as long as the page.
    }
  };

  // The queue: one storage entry per event, `cs_e_<time><counter>_<messageId>`, so queueing costs
  // one write whatever the queue's length, and the site's tabs share the queue without overwriting
  // each other (two tabs may send the same event; the pipeline deduplicates by messageId).
  let counter = 0;
  const queued = () =>
    store
      .keys()
      .filter((k) => k.startsWith('cs_e_'))
      .sort();
  const remove = (keys: string[]) => {
    for (const k of keys) store.remove(k);
  };
  let sinceFlush = 0;
  const beaconed = new Set<string>();

  const newId = (key: string) => {
    const id = uuid();
    write(key, id);
    return id;
  };
  let anonymousId = read<string>('cs_aid') ?? newId('cs_aid');
  let userId = read<string>('cs_uid');
  const consent = () => read<string>('cs_consent');
  const allowed = () => consent() !== 'out' && (consent() === 'in' || !opts.doNotTrack);

  let sending = false;
  let attempts = 0;
  let retryAt = 0;

  function sessionId(): string {
    const t = now();
    let s = read<Session>('cs_session');
    if (!s || t - s.last > SESSION_IDLE_MS || t - s.start > SESSION_MAX_MS)
      s = { id: uuid(), start: t, last: t };
    s.last = t;
    write('cs_session', s);
    return s.id;
  }

  function enqueue(partial: Pick<WireEvent, 'type'> & Partial<WireEvent>, context?: Context) {
    if (!allowed()) return;
    const event: WireEvent = {
      ...partial,
      messageId: uuid(),
      anonymousId,
      ...(userId ? { userId } : {}),
      sessionId: sessionId(),
      originalTimestamp: new Date(now()).toISOString(),
      context: { ...(context ?? opts.context?.()), library: { name: SDK_NAME, version: SDK_VERSION } },
    };
    // Throws for an event that cannot be serialised (e.g. circular properties): it is not queued.
    const json = JSON.stringify(event);
    const seq = now().toString(36).padStart(9, '0') + (counter++ % 1296).toString(36).padStart(2, '0');
    store.set(`cs_e_${seq}_${event.messageId}`, json);
    if (++sinceFlush >= flushAt) void flush();
  }

  async function flush(beacon = false): Promise<void> {
    if (!beacon && (sending || now() < retryAt)) return;
    let keys = queued();
    if (keys.length > maxQueue) {
      warn(`queue full: dropped ${keys.length - maxQueue} oldest event(s)`);
      remove(keys.slice(0, keys.length - maxQueue));
      keys = keys.slice(-maxQueue);
    }
    // Each event goes by beacon at most once per page (pagehide and visibilitychange both ask).
    if (beacon) keys = keys.filter((k) => !beaconed.has(k));
    keys = keys.slice(0, MAX_BATCH);
    if (keys.length === 0) return;
    const batch: WireEvent[] = [];
    for (const k of keys) {
      const e = read<WireEvent>(k);
      if (e) batch.push(e);
    }
    sinceFlush = 0;
    const body = JSON.stringify({ batch, sentAt: new Date(now()).toISOString(), writeKey: opts.writeKey });
    const drop = () => remove(keys);
    if (beacon) {
      for (const k of keys) beaconed.add(k);
      // The page is going away. A beacon only says the browser queued the request, not that the
      // collector got it, so the events stay queued and the next page sends them again; the
      // pipeline deduplicates by messageId. A duplicate is cheap, a lost event is not.
      opts.transport.beacon(url, body);
      return;
    }
    sending = true;
    const [status, retryAfterMs] = await opts.transport.send(url, body);
    sending = false;
    if (status >= 200 && status < 300) {
      attempts = 0;
      drop();
      if (queued().length > 0) void flush();
    } else if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
      warn(`collector refused a batch of ${batch.length} (HTTP ${status}); dropped`);
      drop();
    } else {
      const backoff = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempts++) * (0.5 + random() / 2);
      const delay = retryAfterMs ?? backoff;
      retryAt = now() + delay;
      setTimer(() => void flush(), delay);
    }
  }

  // Page views remember the previous page of this document, so single-page-app routes get the right
  // referrer; events in between carry the current page's context.
  let lastUrl: string | undefined;
  let pageReferrer: string | undefined;
  const withReferrer = (): Context | undefined => {
    const c = opts.context?.();
    return c?.page && pageReferrer !== undefined ? { ...c, page: { ...c.page, referrer: pageReferrer } } : c;
  };

  const safely =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A) => {
      try {
        fn(...args);
      } catch (err) {
        warn(err); // Never break the host page.
      }
    };

  return {
    page: safely((name?: string, properties?: Properties) => {
      const c = opts.context?.();
      if (lastUrl !== undefined) pageReferrer = lastUrl;
      lastUrl = c?.page?.url;
      enqueue({ type: 'page', ...(name ? { name } : {}), properties: properties ?? {} }, withReferrer());
    }),
    track: safely((event: string, properties?: Properties) =>
      enqueue({ type: 'track', event, properties: properties ?? {} }, withReferrer()),
    ),
    identify: safely((id: string, traits?: Properties) => {
      userId = id;
      write('cs_uid', id);
      enqueue({ type: 'identify', userId: id, traits: traits ?? {} }, withReferrer());
    }),
    reset: safely(() => {
      anonymousId = newId('cs_aid');
      userId = null;
      write('cs_uid', null);
      write('cs_session', null);
    }),
    optOut: safely(() => {
      write('cs_consent', 'out');
      remove(queued());
    }),
    optIn: safely(() => write('cs_consent', 'in')),
    flush: (beacon?: boolean) =>
      flush(beacon).catch((err) => {
        sending = false;
        warn(err);
      }),
  };
}
