// The tracker: builds Segment-shaped events, keeps identity and session, queues events (persisted,
// so a navigation does not lose them) and delivers them in batches. Every dependency on the browser
// (transport, storage, clock, ids) is a parameter, so the logic is testable without a browser.
// Never throws into the host page.
import type { WireEvent } from '@clickstream/schema';

export const SDK_NAME = 'clickstream-sdk';
export const SDK_VERSION = '0.1.0';

const SESSION_IDLE_MS = 30 * 60_000;
const SESSION_MAX_MS = 24 * 3_600_000;
const MAX_QUEUE = 500;

export interface Transport {
  /** Sends a batch body; resolves true when the collector accepted it (2xx). */
  send(url: string, body: string): Promise<boolean>;
  /** Best-effort send while the page goes away; true when the browser took it. */
  beacon(url: string, body: string): boolean;
}

export interface KeyValueStore {
  get(key: string): string | null;
  set(key: string, value: string): void;
}

export interface TrackerOptions {
  readonly writeKey: string;
  /** Collector base URL, e.g. `https://collect.example.com`. */
  readonly endpoint: string;
  readonly transport: Transport;
  readonly storage: KeyValueStore;
  readonly now?: () => number;
  readonly uuid?: () => string;
  /** Page facts at the time of an event. */
  readonly pageContext?: () => NonNullable<WireEvent['context']>;
  readonly flushAt?: number;
  readonly flushIntervalMs?: number;
}

type Properties = Record<string, unknown>;

export interface Tracker {
  page(name?: string, properties?: Properties): void;
  track(event: string, properties?: Properties): void;
  identify(userId: string, traits?: Properties): void;
  /** Sends what is queued now. With `beacon`, uses the unload-safe path. */
  flush(beacon?: boolean): Promise<void>;
}

interface Session {
  id: string;
  start: number;
  last: number;
}

function safely<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  return (...args) => {
    try {
      fn(...args);
    } catch {
      // Never break the host page.
    }
  };
}

export function createTracker(opts: TrackerOptions): Tracker {
  const now = opts.now ?? Date.now;
  const uuid = opts.uuid ?? (() => crypto.randomUUID());
  const flushAt = opts.flushAt ?? 20;
  const store = opts.storage;
  const url = `${opts.endpoint.replace(/\/+$/, '')}/v1/batch`;

  const read = <T>(key: string): T | null => {
    try {
      const raw = store.get(key);
      return raw === null ? null : (JSON.parse(raw) as T);
    } catch {
      return null;
    }
  };
  const write = (key: string, value: unknown) => {
    try {
      store.set(key, JSON.stringify(value));
    } catch {
      // Storage full or blocked: keep working in memory.
    }
  };

  let anonymousId = read<string>('cs_aid');
  if (!anonymousId) {
    anonymousId = uuid();
    write('cs_aid', anonymousId);
  }
  let userId = read<string>('cs_uid');
  let queue: WireEvent[] = read<WireEvent[]>('cs_queue') ?? [];
  let sending = false;

  function sessionId(): string {
    const t = now();
    let s = read<Session>('cs_session');
    if (!s || t - s.last > SESSION_IDLE_MS || t - s.start > SESSION_MAX_MS)
      s = { id: uuid(), start: t, last: t };
    s.last = t;
    write('cs_session', s);
    return s.id;
  }

  function enqueue(partial: Pick<WireEvent, 'type'> & Partial<WireEvent>) {
    const event: WireEvent = {
      ...partial,
      messageId: uuid(),
      anonymousId: anonymousId as string,
      ...(userId ? { userId } : {}),
      sessionId: sessionId(),
      originalTimestamp: new Date(now()).toISOString(),
      context: { ...opts.pageContext?.(), library: { name: SDK_NAME, version: SDK_VERSION } },
    };
    queue = [...queue, event].slice(-MAX_QUEUE);
    write('cs_queue', queue);
    if (queue.length >= flushAt) void flush();
  }

  async function flush(beacon = false): Promise<void> {
    if (queue.length === 0 || (sending && !beacon)) return;
    const batch = queue.slice(0, 100);
    const body = JSON.stringify({ batch, sentAt: new Date(now()).toISOString(), writeKey: opts.writeKey });
    const sent = new Set(batch.map((e) => e.messageId));
    const drop = () => {
      queue = queue.filter((e) => !sent.has(e.messageId));
      write('cs_queue', queue);
    };
    if (beacon) {
      if (opts.transport.beacon(url, body)) drop();
      return;
    }
    sending = true;
    try {
      if (await opts.transport.send(url, body)) drop();
    } catch {
      // Kept in the queue; the next flush retries.
    } finally {
      sending = false;
    }
  }

  return {
    page: safely((name?: string, properties?: Properties) =>
      enqueue({ type: 'page', ...(name ? { name } : {}), properties: properties ?? {} }),
    ),
    track: safely((event: string, properties?: Properties) =>
      enqueue({ type: 'track', event, properties: properties ?? {} }),
    ),
    identify: safely((id: string, traits?: Properties) => {
      userId = id;
      write('cs_uid', id);
      enqueue({ type: 'identify', userId: id, traits: traits ?? {} });
    }),
    flush: (beacon?: boolean) => flush(beacon).catch(() => {}),
  };
}
