// Sessions from event time, per visitor of one Kafka partition (the definition, also in
// processor/README.md): a visitor's on-time events ordered by (event time, receipt time,
// messageId); a new session starts at the first event, after a gap of 30 minutes or more, or 24 hours
// after the session's start. The events of open sessions stay in memory, so an out-of-order event
// (within the allowed lateness) lands where it belongs: it may move a session's start, join two
// sessions, or shift where the 24-hour cap cuts. A session is final once the watermark is 30
// minutes past its last event: no on-time event can reach it any more.
import {
  FUNNEL_STEPS,
  type LakeRow,
  SESSION_CAP_MS,
  SESSION_GAP_MS,
  type SessionRow,
  sessionIdOf,
  toMicros,
} from '@clickstream/schema';

/** What a session needs of an event. */
export interface SessionEvent {
  readonly t: number;
  readonly r: number;
  readonly id: string;
  readonly type: string;
  readonly name: string | null;
  readonly path: string | null;
  readonly referrer: string | null;
  readonly utmSource: string | null;
  readonly utmMedium: string | null;
  readonly utmCampaign: string | null;
  readonly device: string;
  readonly country: string | null;
  readonly sdk: string | null;
  readonly orderId: string | null;
  readonly revenue: number | null;
  readonly currency: string | null;
}

export function sessionEventOf(row: LakeRow): SessionEvent {
  const order = row.event_name === 'Order Completed';
  return {
    t: row.event_time,
    r: row.received_at,
    id: row.message_id,
    type: row.type,
    name: row.event_name,
    path: row.page_path,
    referrer: row.page_referrer,
    utmSource: row.utm_source,
    utmMedium: row.utm_medium,
    utmCampaign: row.utm_campaign,
    device: row.device_type,
    country: row.geo_country,
    sdk: row.session_id,
    orderId: order ? row.order_id : null,
    revenue: order ? row.revenue : null,
    currency: order ? row.currency : null,
  };
}

/** Event order inside a visitor: event time, then receipt time, then messageId. */
export function compareEvents(a: SessionEvent, b: SessionEvent): number {
  return a.t - b.t || a.r - b.r || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Indexes where sessions start, for events already in order. */
export function sessionStarts(events: readonly SessionEvent[]): number[] {
  const starts: number[] = [];
  let start = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as SessionEvent;
    const prev = events[i - 1];
    if (!prev || e.t - prev.t >= SESSION_GAP_MS || e.t - (events[start] as SessionEvent).t >= SESSION_CAP_MS) {
      start = i;
      starts.push(i);
    }
  }
  return starts;
}

/** The session row of one session's events (in order). */
export function sessionRow(
  siteId: string,
  visitor: string,
  kafkaPartition: number,
  events: readonly SessionEvent[],
): SessionRow {
  const first = events[0] as SessionEvent;
  const last = events[events.length - 1] as SessionEvent;
  let pageViews = 0;
  let landing: SessionEvent | undefined;
  let exit: SessionEvent | undefined;
  let tracks = 0;
  let funnel = 0;
  const sdkIds = new Set<string>();
  const orders = new Map<string, SessionEvent>();
  for (const e of events) {
    if (e.type === 'page') {
      pageViews++;
      landing ??= e;
      exit = e;
    } else if (e.type === 'track') tracks++;
    const step = e.name === null ? -1 : FUNNEL_STEPS.indexOf(e.name as (typeof FUNNEL_STEPS)[number]);
    if (step + 1 > funnel) funnel = step + 1;
    if (e.sdk !== null) sdkIds.add(e.sdk);
    // Events are in order, so the first report of an order in the session is the one kept.
    if (e.orderId !== null && !orders.has(e.orderId)) orders.set(e.orderId, e);
  }
  const currencies = new Set([...orders.values()].map((o) => o.currency));
  let revenue: bigint | null = null;
  if (currencies.size === 1) {
    for (const o of orders.values()) {
      const micros = toMicros(o.revenue);
      if (micros !== null) revenue = (revenue ?? 0n) + micros;
    }
  }
  return {
    session_id: sessionIdOf(siteId, visitor, first.t),
    site_id: siteId,
    visitor,
    session_start: first.t,
    session_end: last.t,
    duration_s: (last.t - first.t) / 1000,
    events: events.length,
    page_views: pageViews,
    landing_page: landing?.path ?? null,
    exit_page: exit?.path ?? null,
    landing_referrer: landing?.referrer ?? null,
    utm_source: landing?.utmSource ?? null,
    utm_medium: landing?.utmMedium ?? null,
    utm_campaign: landing?.utmCampaign ?? null,
    device_type: first.device,
    country: first.country,
    is_bounce: pageViews === 1 && tracks === 0,
    funnel_step: funnel,
    orders: orders.size,
    revenue: currencies.size === 1 ? revenue : null,
    currency: currencies.size === 1 ? ([...currencies][0] ?? null) : null,
    sdk_session_id: first.sdk,
    sdk_session_ids: sdkIds.size,
    kafka_partition: kafkaPartition,
  };
}

interface Visitor {
  readonly site: string;
  readonly visitor: string;
  /** Events of the open sessions, in order. */
  events: SessionEvent[];
  /** Start times of the open sessions (from `sessionStarts`). */
  starts: number[];
}

/** Called when a session start appears (+1) or disappears (-1): the minute windows count them. */
export type StartsListener = (site: string, start: number, delta: number) => void;

const keyOf = (site: string, visitor: string) => `${site}\u0000${visitor}`;
const CLOSE_BUCKET_MS = 60_000;

export class Sessionizer {
  readonly #visitors = new Map<string, Visitor>();
  /** Visitors by the minute their first open session can close (lazily updated: checked on use). */
  readonly #closeIndex = new Map<number, Set<string>>();
  readonly #onStarts: StartsListener;
  readonly #partition: number;

  constructor(kafkaPartition: number, onStarts: StartsListener) {
    this.#partition = kafkaPartition;
    this.#onStarts = onStarts;
  }

  /** An on-time event of a person. */
  update(site: string, visitor: string, e: SessionEvent): void {
    const key = keyOf(site, visitor);
    let v = this.#visitors.get(key);
    if (!v) {
      v = { site, visitor, events: [], starts: [] };
      this.#visitors.set(key, v);
    }
    const events = v.events;
    const last = events[events.length - 1];
    if (!last || compareEvents(last, e) <= 0) {
      // In order (the usual case): the last session goes on, or a new one starts.
      events.push(e);
      const start = v.starts[v.starts.length - 1];
      if (last === undefined || start === undefined || e.t - last.t >= SESSION_GAP_MS || e.t - start >= SESSION_CAP_MS) {
        v.starts.push(e.t);
        this.#onStarts(site, e.t, +1);
      }
    } else {
      let i = events.length - 1;
      while (i > 0 && compareEvents(events[i - 1] as SessionEvent, e) > 0) i--;
      events.splice(i, 0, e);
      const before = v.starts;
      v.starts = sessionStarts(events).map((k) => (events[k] as SessionEvent).t);
      this.#diffStarts(site, before, v.starts);
    }
    this.#index(key, v);
  }

  #diffStarts(site: string, before: readonly number[], after: readonly number[]): void {
    const count = (list: readonly number[]) => {
      const m = new Map<number, number>();
      for (const t of list) m.set(t, (m.get(t) ?? 0) + 1);
      return m;
    };
    const a = count(before);
    const b = count(after);
    for (const [t, n] of a) if ((b.get(t) ?? 0) < n) this.#onStarts(site, t, (b.get(t) ?? 0) - n);
    for (const [t, n] of b) if ((a.get(t) ?? 0) < n) this.#onStarts(site, t, n - (a.get(t) ?? 0));
  }

  /**
   * Index of the first event after the visitor's first open session. A session's first event is
   * strictly later than the previous event (a gap or the cap started it), so times split them.
   */
  #firstSessionEnd(v: Visitor): number {
    const next = v.starts[1];
    if (next === undefined) return v.events.length;
    let i = 0;
    while ((v.events[i] as SessionEvent).t < next) i++;
    return i;
  }

  /** When the visitor's first open session can close: 30 minutes after its last event. */
  #closeTime(v: Visitor): number {
    return (v.events[this.#firstSessionEnd(v) - 1] as SessionEvent).t + SESSION_GAP_MS;
  }

  #index(key: string, v: Visitor): void {
    const bucket = Math.floor(this.#closeTime(v) / CLOSE_BUCKET_MS);
    let set = this.#closeIndex.get(bucket);
    if (!set) {
      set = new Set();
      this.#closeIndex.set(bucket, set);
    }
    set.add(key);
  }

  /** The sessions that became final at this watermark, in (start, visitor) order. */
  close(watermark: number): SessionRow[] {
    const closed: SessionRow[] = [];
    const due = [...this.#closeIndex.keys()].filter((b) => b * CLOSE_BUCKET_MS <= watermark).sort((a, b) => a - b);
    const keys = new Set<string>();
    for (const b of due) {
      for (const k of this.#closeIndex.get(b) ?? []) keys.add(k);
      this.#closeIndex.delete(b);
    }
    for (const key of keys) {
      const v = this.#visitors.get(key);
      if (!v) continue;
      while (v.events.length > 0 && this.#closeTime(v) <= watermark) {
        const end = this.#firstSessionEnd(v);
        closed.push(sessionRow(v.site, v.visitor, this.#partition, v.events.slice(0, end)));
        v.events = v.events.slice(end);
        v.starts = v.starts.slice(1);
      }
      if (v.events.length === 0) this.#visitors.delete(key);
      else this.#index(key, v);
    }
    return closed.sort((a, b) => a.session_start - b.session_start || (a.visitor < b.visitor ? -1 : 1));
  }

  /** Open sessions and the events they hold, for the memory figures. */
  stats(): { visitors: number; events: number } {
    let events = 0;
    for (const v of this.#visitors.values()) events += v.events.length;
    return { visitors: this.#visitors.size, events };
  }

  snapshot(): Array<{ site: string; visitor: string; events: SessionEvent[] }> {
    return [...this.#visitors.values()].map(({ site, visitor, events }) => ({ site, visitor, events }));
  }

  static restore(
    kafkaPartition: number,
    onStarts: StartsListener,
    json: ReadonlyArray<{ site: string; visitor: string; events: SessionEvent[] }>,
  ): Sessionizer {
    const s = new Sessionizer(kafkaPartition, onStarts);
    for (const { site, visitor, events } of json) {
      const v: Visitor = { site, visitor, events, starts: sessionStarts(events).map((k) => (events[k] as SessionEvent).t) };
      const key = keyOf(site, visitor);
      s.#visitors.set(key, v);
      s.#index(key, v);
    }
    return s;
  }
}
