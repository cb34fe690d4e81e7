import { SESSION_GAP_MS } from '@clickstream/schema';
import { describe, expect, it } from 'vitest';
import { compareEvents, type SessionEvent, Sessionizer, sessionRow, sessionStarts } from './sessionize.ts';

const MIN = 60_000;
const t0 = Date.parse('2026-11-24T23:00:00Z');

let seq = 0;
function ev(t: number, over: Partial<SessionEvent> = {}): SessionEvent {
  seq++;
  return {
    t,
    r: t + 50,
    id: `m-${String(seq).padStart(6, '0')}`,
    type: 'page',
    name: 'Page Viewed',
    path: '/',
    referrer: null,
    utmSource: null,
    utmMedium: null,
    utmCampaign: null,
    device: 'desktop',
    country: 'DE',
    sdk: 's1',
    orderId: null,
    revenue: null,
    currency: null,
    ...over,
  };
}

/** The definition applied to a whole, sorted history (what the batch does). */
function reference(site: string, visitor: string, events: SessionEvent[]) {
  const sorted = [...events].sort(compareEvents);
  const starts = sessionStarts(sorted);
  return starts.map((s, k) => sessionRow(site, visitor, 0, sorted.slice(s, starts[k + 1] ?? sorted.length)));
}

function run(arrivals: SessionEvent[], finalWatermark: number) {
  const started = new Map<number, number>();
  const s = new Sessionizer(0, (_site, start, delta) =>
    started.set(start, (started.get(start) ?? 0) + delta),
  );
  const rows = [];
  for (const e of arrivals) s.update('shop', 'v1', e);
  rows.push(...s.close(finalWatermark));
  return { rows, started, open: s.stats() };
}

describe('sessionStarts', () => {
  it('splits on a gap of 30 minutes or more, not less', () => {
    const events = [ev(t0), ev(t0 + 29 * MIN + 59_999), ev(t0 + 59 * MIN + 59_999 + 30 * MIN)];
    expect(sessionStarts(events)).toEqual([0, 2]);
  });

  it('cuts a session 24 hours after its start', () => {
    const events = Array.from({ length: 60 }, (_, i) => ev(t0 + i * 25 * MIN));
    const starts = sessionStarts(events);
    // 25-minute steps: no gap; the cap cuts at the first event >= 24 h after each start.
    expect(starts).toEqual([0, 58]);
  });
});

describe('sessionRow', () => {
  it('fills every column from the definition', () => {
    const events = [
      ev(t0, {
        type: 'page',
        path: '/landing',
        referrer: 'https://news.example/',
        utmSource: 'news',
        sdk: 'a',
      }),
      ev(t0 + MIN, { type: 'track', name: 'Product Viewed', path: '/p/1', sdk: 'a' }),
      ev(t0 + 2 * MIN, { type: 'track', name: 'Product Added', sdk: 'b' }),
      ev(t0 + 3 * MIN, {
        type: 'track',
        name: 'Order Completed',
        orderId: 'o1',
        revenue: 19.99,
        currency: 'EUR',
      }),
      ev(t0 + 4 * MIN, {
        type: 'track',
        name: 'Order Completed',
        orderId: 'o1',
        revenue: 99,
        currency: 'EUR',
      }),
      ev(t0 + 5 * MIN, {
        type: 'track',
        name: 'Order Completed',
        orderId: 'o2',
        revenue: 0.01,
        currency: 'EUR',
      }),
      ev(t0 + 6 * MIN, { type: 'page', path: '/thanks' }),
      ev(t0 + 7 * MIN, { type: 'identify', name: null, path: null }),
    ];
    const row = sessionRow('shop', 'v1', 2, events);
    expect(row).toMatchObject({
      site_id: 'shop',
      visitor: 'v1',
      session_start: t0,
      session_end: t0 + 7 * MIN,
      duration_s: 420,
      events: 8,
      page_views: 2,
      landing_page: '/landing',
      exit_page: '/thanks',
      landing_referrer: 'https://news.example/',
      utm_source: 'news',
      device_type: 'desktop',
      country: 'DE',
      is_bounce: false,
      funnel_step: 4,
      orders: 2,
      revenue: 20_000_000n,
      currency: 'EUR',
      sdk_session_id: 'a',
      sdk_session_ids: 3, // a, b and the default s1
      kafka_partition: 2,
    });
    expect(row.session_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('bounce: exactly one page view and no track event; identify is not an interaction', () => {
    expect(sessionRow('s', 'v', 0, [ev(t0)]).is_bounce).toBe(true);
    expect(sessionRow('s', 'v', 0, [ev(t0), ev(t0 + 1, { type: 'identify', name: null })]).is_bounce).toBe(
      true,
    );
    expect(
      sessionRow('s', 'v', 0, [ev(t0), ev(t0 + 1, { type: 'track', name: 'Element Clicked' })]).is_bounce,
    ).toBe(false);
    expect(sessionRow('s', 'v', 0, [ev(t0), ev(t0 + 1)]).is_bounce).toBe(false);
    expect(sessionRow('s', 'v', 0, [ev(t0, { type: 'track', name: 'X' })]).is_bounce).toBe(false);
  });

  it('mixed currencies leave revenue and currency empty, orders counted', () => {
    const row = sessionRow('s', 'v', 0, [
      ev(t0, { type: 'track', name: 'Order Completed', orderId: 'a', revenue: 10, currency: 'EUR' }),
      ev(t0 + 1, { type: 'track', name: 'Order Completed', orderId: 'b', revenue: 10, currency: 'USD' }),
    ]);
    expect(row).toMatchObject({ orders: 2, revenue: null, currency: null, funnel_step: 4 });
  });
});

describe('Sessionizer', () => {
  it('closes a session only once the watermark is 30 minutes past its last event', () => {
    const { rows } = run([ev(t0), ev(t0 + 10 * MIN)], t0 + 40 * MIN - 1);
    expect(rows).toEqual([]);
    const closed = run([ev(t0), ev(t0 + 10 * MIN)], t0 + 40 * MIN);
    expect(closed.rows).toHaveLength(1);
    expect(closed.open).toEqual({ visitors: 0, sessions: 0, events: 0 });
  });

  it('a session across midnight stays one session, starting on the first day', () => {
    const { rows } = run([ev(t0 + 50 * MIN), ev(t0 + 65 * MIN), ev(t0 + 80 * MIN)], t0 + 200 * MIN);
    expect(rows).toHaveLength(1);
    expect(new Date(rows[0]!.session_start).toISOString()).toBe('2026-11-24T23:50:00.000Z');
    expect(rows[0]!.duration_s).toBe(30 * 60);
  });

  it('an out-of-order event that fills a gap joins two sessions; started counts follow', () => {
    const a = ev(t0);
    const b = ev(t0 + 40 * MIN);
    const fill = ev(t0 + 20 * MIN);
    const { rows, started } = run([a, b, fill], t0 + 200 * MIN);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.events).toBe(3);
    expect([...started].filter(([, n]) => n !== 0)).toEqual([[t0, 1]]);
  });

  /**
   * The stream's view of arrivals: a watermark (latest time seen minus `lateness`) that drops late
   * events and closes sessions as it goes; returns the closed rows and the on-time events.
   */
  function stream(arrivals: readonly SessionEvent[], lateness: number, closeEvery: number) {
    const started = new Map<number, number>();
    const s = new Sessionizer(0, (_site, start, delta) =>
      started.set(start, (started.get(start) ?? 0) + delta),
    );
    const rows = [];
    const onTime: SessionEvent[] = [];
    let max = Number.NEGATIVE_INFINITY;
    arrivals.forEach((e, n) => {
      if (e.t < max - lateness) return; // late: not in the stream's sessions
      onTime.push(e);
      max = Math.max(max, e.t);
      s.update('shop', 'v1', e);
      if (n % closeEvery === 0) rows.push(...s.close(max - lateness));
    });
    rows.push(...s.close(max + 10 * SESSION_GAP_MS));
    return { rows, started, onTime, open: s.stats() };
  }

  it('equals the sorted-history definition for any arrival order (property)', () => {
    let rng = 42;
    const random = () => {
      rng = (rng * 1103515245 + 12345) % 2 ** 31;
      return rng / 2 ** 31;
    };
    for (let round = 0; round < 300; round++) {
      const n = 1 + Math.floor(random() * 60);
      const events: SessionEvent[] = [];
      // Some rounds are one visitor active for more than a day, so the 24-hour cap cuts.
      const longRun = round % 3 === 0;
      let t = t0;
      for (let i = 0; i < n; i++) {
        t += longRun
          ? Math.floor(random() * 29 * MIN * (random() < 0.05 ? 2 : 1))
          : Math.floor(random() * (random() < 0.2 ? 3 * SESSION_GAP_MS : SESSION_GAP_MS * 0.5));
        events.push(
          ev(t, { type: random() < 0.5 ? 'page' : 'track', name: random() < 0.3 ? 'Product Viewed' : 'X' }),
        );
      }
      // Arrival: mostly in order, some moved back by up to an hour.
      const arrivals = [...events];
      for (let i = 1; i < arrivals.length; i++) {
        if (random() < 0.3) {
          const j = Math.max(0, i - 1 - Math.floor(random() * 4));
          const [moved] = arrivals.splice(i, 1);
          arrivals.splice(j, 0, moved as SessionEvent);
        }
      }
      const lateness = [0, 10 * MIN, 60 * MIN][round % 3] as number;
      const { rows, started, onTime, open } = stream(arrivals, lateness, 1 + (round % 5));
      expect(rows).toEqual(reference('shop', 'v1', onTime));
      expect(open.sessions).toBe(0);
      const net = [...started].filter(([, k]) => k !== 0).map(([s]) => s);
      expect(net.sort((x, y) => x - y)).toEqual(rows.map((r) => r.session_start));
    }
  });

  it('keeps events only for sessions that started after the watermark', () => {
    const s = new Sessionizer(0, () => {});
    for (let i = 0; i < 100; i++) s.update('shop', 'v1', ev(t0 + i * MIN));
    s.close(t0 + 50 * MIN);
    // One open session (no gap): it started before the watermark, so it is a summary now.
    expect(s.stats()).toEqual({ visitors: 1, sessions: 1, events: 0 });
    s.update('shop', 'v1', ev(t0 + 200 * MIN)); // after a gap: a young session
    expect(s.stats()).toEqual({ visitors: 1, sessions: 2, events: 1 });
  });

  it('an out-of-order event joining a day-long session to a young one: the cap cuts the young one', () => {
    // One session from t0 with an event every 20 minutes for 23 h 50 min, then a 35-minute gap,
    // then a young session; an out-of-order event fills the gap, so the cap (t0 + 24 h) falls in it.
    const old = Array.from({ length: 72 }, (_, i) => ev(t0 + i * 20 * MIN - (i === 71 ? 10 * MIN : 0)));
    const lastOld = old[old.length - 1] as SessionEvent;
    const young = [ev(lastOld.t + 35 * MIN), ev(lastOld.t + 40 * MIN), ev(lastOld.t + 50 * MIN)];
    const fill = ev(lastOld.t + 20 * MIN);
    const lateness = 60 * MIN;
    const { rows, onTime } = stream([...old, ...young, fill], lateness, 1);
    expect(onTime).toHaveLength(old.length + young.length + 1);
    expect(rows).toEqual(reference('shop', 'v1', onTime));
    expect(rows).toHaveLength(2);
    expect(rows[1]!.session_start).toBeGreaterThanOrEqual(t0 + 24 * 60 * MIN);
  });

  it('survives snapshot and restore mid-stream with the same result', () => {
    const events = Array.from({ length: 30 }, (_, i) => ev(t0 + i * 7 * MIN));
    const whole = run(events, t0 + 1000 * MIN).rows;
    const s = new Sessionizer(0, () => {});
    for (const e of events.slice(0, 15)) s.update('shop', 'v1', e);
    const early = s.close(t0 + 60 * MIN);
    const restored = Sessionizer.restore(0, () => {}, JSON.parse(JSON.stringify(s.snapshot())));
    for (const e of events.slice(15)) restored.update('shop', 'v1', e);
    expect([...early, ...restored.close(t0 + 1000 * MIN)]).toEqual(whole);
  });
});
