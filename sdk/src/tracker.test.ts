// The tracker's logic with a fake transport, storage, clock and timers: batching, persistence,
// retries (backoff, Retry-After, which statuses), sessions, identity, consent, SPA referrers.
import { validateWireBatch } from '@clickstream/schema';
import { describe, expect, it, vi } from 'vitest';
import { createTracker, type SendResult, type TrackerOptions } from './tracker.ts';

function harness(over: Partial<TrackerOptions> = {}, storage = new Map<string, string>()) {
  let t = Date.parse('2026-11-24T10:00:00.000Z');
  let n = 0;
  const bodies: Array<{ batch: Array<Record<string, unknown>>; writeKey: string; sentAt: string }> = [];
  const replies: SendResult[] = [];
  const timers: Array<{ fn: () => void; ms: number }> = [];
  let url = 'https://shop.example/';
  const tracker = createTracker({
    writeKey: 'wk',
    endpoint: 'https://collect.example/',
    transport: {
      send: async (_u, body) => {
        bodies.push(JSON.parse(body));
        return replies.shift() ?? [200];
      },
      beacon: (_u, body) => {
        bodies.push(JSON.parse(body));
        return true;
      },
    },
    storage: {
      get: (k) => storage.get(k) ?? null,
      set: (k, v) => void storage.set(k, v),
      remove: (k) => void storage.delete(k),
      keys: () => [...storage.keys()],
    },
    now: () => t,
    uuid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    random: () => 0.5,
    setTimer: (fn, ms) => timers.push({ fn, ms }),
    context: () => ({ page: { url, path: new URL(url).pathname, referrer: 'https://search.example/' } }),
    flushAt: 100,
    ...over,
  });
  const sent = () => bodies.flatMap((b) => b.batch);
  const queued = () =>
    [...storage.keys()]
      .filter((k) => k.startsWith('cs_e_'))
      .sort()
      .map((k) => JSON.parse(storage.get(k) as string) as Record<string, unknown>);
  return {
    tracker,
    bodies,
    replies,
    timers,
    storage,
    sent,
    queued,
    advance: (ms: number) => {
      t += ms;
    },
    go: (next: string) => {
      url = next;
    },
  };
}

describe('tracker', () => {
  it('sends Segment-shaped batches the collector accepts', async () => {
    const h = harness();
    h.tracker.page();
    h.tracker.track('Product Viewed', { product_id: 'p1' });
    h.tracker.identify('u-1', { plan: 'pro' });
    await h.tracker.flush();
    expect(h.bodies).toHaveLength(1);
    const body = h.bodies[0];
    expect(validateWireBatch(body).ok).toBe(true);
    expect(body?.writeKey).toBe('wk');
    expect(body?.batch.map((e) => e.type)).toEqual(['page', 'track', 'identify']);
    expect(body?.batch[1]).toMatchObject({
      event: 'Product Viewed',
      properties: { product_id: 'p1' },
      context: { library: { name: 'clickstream-sdk' }, page: { path: '/' } },
    });
    expect(body?.batch[2]).toMatchObject({ userId: 'u-1', traits: { plan: 'pro' } });
    expect(new Set(body?.batch.map((e) => e.messageId)).size).toBe(3);
    expect(h.queued()).toEqual([]);
  });

  it('flushes by itself when flushAt events are queued', async () => {
    const h = harness({ flushAt: 3 });
    for (let i = 0; i < 3; i++) h.tracker.track('Clicked');
    await vi.waitFor(() => expect(h.sent()).toHaveLength(3));
  });

  it('keeps the queue in storage: a new page load sends what the last one could not', async () => {
    const storage = new Map<string, string>();
    const first = harness({}, storage);
    first.tracker.track('Added');
    first.replies.push([0]); // network down
    await first.tracker.flush();
    const second = harness({}, storage);
    await second.tracker.flush();
    expect(second.sent().map((e) => e.event)).toEqual(['Added']);
    expect(second.sent()[0]?.anonymousId).toBe(first.sent()[0]?.anonymousId);
  });

  it('retries 408, 429, 5xx and network failures with growing, jittered backoff', async () => {
    const h = harness();
    h.tracker.track('A');
    h.replies.push([0], [503], [429], [408]);
    for (let i = 0; i < 4; i++) {
      await h.tracker.flush();
      h.advance(h.timers.at(-1)?.ms ?? 0);
    }
    // random() = 0.5 -> factor 0.75 of 1 s, 2 s, 4 s, 8 s
    expect(h.timers.map((x) => x.ms)).toEqual([750, 1500, 3000, 6000]);
    expect(h.queued()).toHaveLength(1);
    await h.tracker.flush();
    expect(h.queued()).toHaveLength(0);
    expect(h.sent().filter((e) => e.event === 'A')).toHaveLength(5); // same messageId each time
    expect(new Set(h.sent().map((e) => e.messageId)).size).toBe(1);
  });

  it('waits as long as Retry-After says, and not less', async () => {
    const h = harness();
    h.tracker.track('A');
    h.replies.push([503, 30_000]);
    await h.tracker.flush();
    expect(h.timers.at(-1)?.ms).toBe(30_000);
    h.advance(10_000);
    await h.tracker.flush(); // too early: nothing sent
    expect(h.bodies).toHaveLength(1);
    h.advance(20_000);
    await h.tracker.flush();
    expect(h.bodies).toHaveLength(2);
  });

  it('drops a batch the collector refuses for good (400), with a warning in debug mode', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const h = harness({ debug: true });
    h.tracker.track('A');
    h.replies.push([400]);
    await h.tracker.flush();
    expect(h.queued()).toEqual([]);
    expect(warn).toHaveBeenCalledWith('[clickstream]', expect.stringContaining('HTTP 400'));
    warn.mockRestore();
  });

  it('bounds the queue: the oldest events go first', async () => {
    const h = harness({ maxQueue: 3 });
    h.replies.push([0]);
    for (const e of ['1', '2', '3', '4', '5']) h.tracker.track(e);
    await h.tracker.flush(); // enforces the bound (fails: collector unreachable)
    expect(h.queued().map((e) => e.event)).toEqual(['3', '4', '5']);
  });

  it('the beacon path sends at once but keeps the events until a 2xx (a beacon may be lost)', async () => {
    const h = harness();
    h.tracker.track('A');
    await h.tracker.flush(true);
    await h.tracker.flush(true); // pagehide after visibilitychange: not sent twice
    expect(h.sent()).toHaveLength(1);
    expect(h.queued()).toHaveLength(1);
    await h.tracker.flush();
    expect(h.queued()).toEqual([]);
    expect(new Set(h.sent().map((e) => e.messageId)).size).toBe(1); // the same event: deduplicated downstream
  });

  it('starts a new session after 30 minutes idle and after 24 hours in any case', () => {
    const h = harness();
    const session = () => (h.queued().at(-1) as { sessionId: string }).sessionId;
    h.tracker.track('A');
    const s1 = session();
    h.advance(29 * 60_000);
    h.tracker.track('B');
    expect(session()).toBe(s1);
    h.advance(31 * 60_000);
    h.tracker.track('C');
    const s2 = session();
    expect(s2).not.toBe(s1);
    for (let i = 0; i < 50; i++) {
      h.advance(29 * 60_000); // never idle for 30 minutes...
      h.tracker.track('D');
    }
    expect(session()).not.toBe(s2); // ...but 24 h passed
  });

  it('identify sets the user id on later events; reset forgets user and anonymous id', () => {
    const h = harness();
    h.tracker.track('A');
    h.tracker.identify('u-1');
    h.tracker.track('B');
    h.tracker.reset();
    h.tracker.track('C');
    const [a, , b, c] = h.queued() as Array<{ anonymousId: string; userId?: string }>;
    expect(a?.userId).toBeUndefined();
    expect(b?.userId).toBe('u-1');
    expect(c?.userId).toBeUndefined();
    expect(c?.anonymousId).not.toBe(a?.anonymousId);
  });

  it('opt-out stops tracking and drops the queue; opt-in resumes; remembered across loads', () => {
    const storage = new Map<string, string>();
    const h = harness({}, storage);
    h.tracker.track('A');
    h.tracker.optOut();
    h.tracker.track('B');
    expect(h.queued()).toEqual([]);
    const again = harness({}, storage);
    again.tracker.track('C');
    expect(again.queued()).toEqual([]);
    again.tracker.optIn();
    again.tracker.track('D');
    expect((again.queued() as Array<{ event: string }>).map((e) => e.event)).toEqual(['D']);
  });

  it('honours Do-Not-Track / GPC when asked to, unless the visitor opted in', () => {
    const h = harness({ doNotTrack: true });
    h.tracker.track('A');
    expect(h.queued()).toEqual([]);
    h.tracker.optIn();
    h.tracker.track('B');
    expect(h.queued()).toHaveLength(1);
  });

  it('gives single-page-app page views the previous route as referrer', () => {
    const h = harness();
    h.tracker.page();
    h.go('https://shop.example/products/cup');
    h.tracker.page();
    h.tracker.track('Product Viewed');
    const [first, second, third] = h.queued() as Array<{ context: { page: { referrer: string } } }>;
    expect(first?.context.page.referrer).toBe('https://search.example/');
    expect(second?.context.page.referrer).toBe('https://shop.example/');
    expect(third?.context.page.referrer).toBe('https://shop.example/');
  });

  it('refuses an event it cannot serialise instead of blocking the queue with it', async () => {
    const h = harness();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => h.tracker.track('Bad', circular)).not.toThrow();
    h.tracker.track('Good');
    await h.tracker.flush();
    expect(h.sent().map((e) => e.event)).toEqual(['Good']);
  });

  it('never throws into the page, even when storage and transport fail', async () => {
    const tracker = createTracker({
      writeKey: 'wk',
      endpoint: 'https://collect.example',
      storage: {
        get: () => {
          throw new Error('blocked');
        },
        set: () => {
          throw new Error('blocked');
        },
        remove: () => {
          throw new Error('blocked');
        },
        keys: () => {
          throw new Error('blocked');
        },
      },
      transport: {
        send: () => Promise.reject(new Error('boom')),
        beacon: () => {
          throw new Error('boom');
        },
      },
      setTimer: () => 0,
    });
    expect(() => tracker.track('A')).not.toThrow();
    await expect(tracker.flush()).resolves.toBeUndefined();
    await expect(tracker.flush(true)).resolves.toBeUndefined();
  });
});
