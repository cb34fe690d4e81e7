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
  const uuid = opts.uuid ?? (() => crypto.randomUUID());
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
      // Storage full or blocked: the caller keeps working in memory.
    }
  };

  // The queue lives in storage (shared by the site's tabs); `memory` is the fallback.
  let memory: WireEvent[] = [];
  const queue = (): WireEvent[] => read<WireEvent[]>('cs_queue') ?? memory;
  const setQueue = (q: WireEvent[]) => {
    memory = q;
    write('cs_queue', q);
  };

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
    // An event that cannot be serialised (e.g. circular properties) would block the queue forever.
    JSON.stringify(event);
    const q = [...queue(), event];
    if (q.length > maxQueue) warn(`queue full: dropped ${q.length - maxQueue} oldest event(s)`);
    setQueue(q.slice(-maxQueue));
    if (q.length >= flushAt) void flush();
  }

  async function flush(beacon = false): Promise<void> {
    const batch = queue().slice(0, MAX_BATCH);
    if (batch.length === 0 || (!beacon && (sending || now() < retryAt))) return;
    const body = JSON.stringify({ batch, sentAt: new Date(now()).toISOString(), writeKey: opts.writeKey });
    const sent = new Set(batch.map((e) => e.messageId));
    const drop = () => setQueue(queue().filter((e) => !sent.has(e.messageId)));
    if (beacon) {
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
      if (queue().length > 0) void flush();
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
      setQueue([]);
    }),
    optIn: safely(() => write('cs_consent', 'in')),
    flush: (beacon?: boolean) =>
      flush(beacon).catch((err) => {
        sending = false;
        warn(err);
      }),
  };
}
