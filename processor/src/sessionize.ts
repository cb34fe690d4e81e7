// Sessions from event time, per visitor of one Kafka partition (the definition, also in
// processor/README.md): a visitor's on-time events ordered by (event time, receipt time,
// messageId); a new session starts at the first event, after a gap of 30 minutes or more, or 24 hours
// after the session's start. A session is final once the watermark is 30 minutes past its last
// event: no on-time event can reach it any more.
//
// Memory: a session keeps a summary (counts, its first and last event, landing and exit page views,
// SDK ids, orders), which is all its row needs and which merges exactly when an out-of-order event
// joins two sessions. Only a *young* session (one that started after the watermark) also keeps its
// events: an out-of-order event that joins a long session to a young one can make the 24-hour cap cut
// the young one, and the cut needs its events. An older session can never be cut again (every
// on-time event is after its start), so its events are dropped once the watermark passes its start.
import {
  FUNNEL_STEPS,
  type LakeRow,
  SESSION_CAP_MS,
  SESSION_GAP_MS,
  type SessionRow,
  sessionIdOf,
  toMicros,
} from '@clickstream/schema';
import { pageKey } from './page-key.ts';

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
    path: pageKey(row.page_path),
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

const FIELDS = [
  't',
  'r',
  'id',
  'type',
  'name',
  'path',
  'referrer',
  'utmSource',
  'utmMedium',
  'utmCampaign',
  'device',
  'country',
  'sdk',
  'orderId',
  'revenue',
  'currency',
] as const satisfies ReadonlyArray<keyof SessionEvent>;
type Packed = unknown[];
export type SessionsSnapshot = Array<
  [site: string, visitor: string, sessions: Array<[summary: PackedSummary, events: Packed[] | null]>]
>;
const pack = (e: SessionEvent): Packed => FIELDS.map((f) => e[f]);
const unpack = (a: Packed): SessionEvent =>
  Object.fromEntries(FIELDS.map((f, i) => [f, a[i]])) as unknown as SessionEvent;

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
    if (
      !prev ||
      e.t - prev.t >= SESSION_GAP_MS ||
      e.t - (events[start] as SessionEvent).t >= SESSION_CAP_MS
    ) {
      start = i;
      starts.push(i);
    }
  }
  return starts;
}

/** Where an event sits in the visitor's order. */
interface Key {
  readonly t: number;
  readonly r: number;
  readonly id: string;
}
type First = Key & Pick<SessionEvent, 'device' | 'country' | 'sdk'>;
type Landing = Key & Pick<SessionEvent, 'path' | 'referrer' | 'utmSource' | 'utmMedium' | 'utmCampaign'>;
type Exit = Key & Pick<SessionEvent, 'path'>;
type Report = Key & Pick<SessionEvent, 'revenue' | 'currency'>;

/**
 * Everything a session's row needs, and what merges when sessions join: counts, and of its first
 * event, last event, first and last page views and each order's first report only the fields the
 * row takes from them (so a long session costs a few hundred bytes, whatever its length).
 */
interface Summary {
  first: First;
  last: Key;
  events: number;
  pageViews: number;
  tracks: number;
  funnel: number;
  landing: Landing | null;
  exit: Exit | null;
  sdkIds: Set<string>;
  orders: Map<string, Report>;
}

const before = (a: Key, b: Key) => (a.t - b.t || a.r - b.r || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) < 0;

function funnelStep(e: SessionEvent): number {
  return e.name === null ? 0 : FUNNEL_STEPS.indexOf(e.name as (typeof FUNNEL_STEPS)[number]) + 1;
}

const firstOf = (e: SessionEvent): First => ({
  t: e.t,
  r: e.r,
  id: e.id,
  device: e.device,
  country: e.country,
  sdk: e.sdk,
});
const landingOf = (e: SessionEvent): Landing => ({
  t: e.t,
  r: e.r,
  id: e.id,
  path: e.path,
  referrer: e.referrer,
  utmSource: e.utmSource,
  utmMedium: e.utmMedium,
  utmCampaign: e.utmCampaign,
});
const exitOf = (e: SessionEvent): Exit => ({ t: e.t, r: e.r, id: e.id, path: e.path });
const reportOf = (e: SessionEvent): Report => ({
  t: e.t,
  r: e.r,
  id: e.id,
  revenue: e.revenue,
  currency: e.currency,
});

function summaryOf(e: SessionEvent): Summary {
  const page = e.type === 'page';
  return {
    first: firstOf(e),
    last: { t: e.t, r: e.r, id: e.id },
    events: 1,
    pageViews: page ? 1 : 0,
    tracks: e.type === 'track' ? 1 : 0,
    funnel: funnelStep(e),
    landing: page ? landingOf(e) : null,
    exit: page ? exitOf(e) : null,
    sdkIds: new Set(e.sdk === null ? [] : [e.sdk]),
    orders: new Map(e.orderId === null ? [] : [[e.orderId, reportOf(e)]]),
  };
}

/** Adds b into a (b's events all belong to a's session). */
function absorb(a: Summary, b: Summary): void {
  if (before(b.first, a.first)) a.first = b.first;
  if (before(a.last, b.last)) a.last = b.last;
  a.events += b.events;
  a.pageViews += b.pageViews;
  a.tracks += b.tracks;
  a.funnel = Math.max(a.funnel, b.funnel);
  if (b.landing && (!a.landing || before(b.landing, a.landing))) a.landing = b.landing;
  if (b.exit && (!a.exit || before(a.exit, b.exit))) a.exit = b.exit;
  for (const id of b.sdkIds) a.sdkIds.add(id);
  for (const [id, report] of b.orders) {
    const known = a.orders.get(id);
    if (!known || before(report, known)) a.orders.set(id, report);
  }
}

/**
 * Adds one event into a (as `absorb(a, summaryOf(e))`, without building the event's own summary,
 * its Set and its Map: this runs for every event of the stream).
 */
function absorbEvent(a: Summary, e: SessionEvent): void {
  if (before(e, a.first)) a.first = firstOf(e);
  if (before(a.last, e)) a.last = { t: e.t, r: e.r, id: e.id };
  a.events += 1;
  if (e.type === 'page') {
    a.pageViews += 1;
    if (!a.landing || before(e, a.landing)) a.landing = landingOf(e);
    if (!a.exit || before(a.exit, e)) a.exit = exitOf(e);
  } else if (e.type === 'track') a.tracks += 1;
  const funnel = funnelStep(e);
  if (funnel > a.funnel) a.funnel = funnel;
  if (e.sdk !== null) a.sdkIds.add(e.sdk);
  if (e.orderId !== null) {
    const known = a.orders.get(e.orderId);
    if (!known || before(e, known)) a.orders.set(e.orderId, reportOf(e));
  }
}

function rowOf(siteId: string, visitor: string, kafkaPartition: number, s: Summary): SessionRow {
  const currencies = new Set([...s.orders.values()].map((o) => o.currency));
  let revenue: bigint | null = null;
  if (currencies.size === 1) {
    for (const o of s.orders.values()) {
      const micros = toMicros(o.revenue);
      if (micros !== null) revenue = (revenue ?? 0n) + micros;
    }
  }
  return {
    session_id: sessionIdOf(siteId, visitor, s.first.t),
    site_id: siteId,
    visitor,
    session_start: s.first.t,
    session_end: s.last.t,
    duration_s: (s.last.t - s.first.t) / 1000,
    events: s.events,
    page_views: s.pageViews,
    landing_page: s.landing?.path ?? null,
    exit_page: s.exit?.path ?? null,
    landing_referrer: s.landing?.referrer ?? null,
    utm_source: s.landing?.utmSource ?? null,
    utm_medium: s.landing?.utmMedium ?? null,
    utm_campaign: s.landing?.utmCampaign ?? null,
    device_type: s.first.device,
    country: s.first.country,
    is_bounce: s.pageViews === 1 && s.tracks === 0,
    funnel_step: s.funnel,
    orders: s.orders.size,
    revenue: currencies.size === 1 ? revenue : null,
    currency: currencies.size === 1 ? ([...currencies][0] ?? null) : null,
    sdk_session_id: s.first.sdk,
    sdk_session_ids: s.sdkIds.size,
    kafka_partition: kafkaPartition,
  };
}

/** The session row of one session's events (in order): the definition applied directly. */
export function sessionRow(
  siteId: string,
  visitor: string,
  kafkaPartition: number,
  events: readonly SessionEvent[],
): SessionRow {
  const summary = summaryOf(events[0] as SessionEvent);
  for (const e of events.slice(1)) absorbEvent(summary, e);
  return rowOf(siteId, visitor, kafkaPartition, summary);
}

interface Session {
  summary: Summary;
  /** The events, in order, while the session is young (started after the watermark); else null. */
  events: SessionEvent[] | null;
}

function sessionOf(events: SessionEvent[]): Session {
  const summary = summaryOf(events[0] as SessionEvent);
  for (const e of events.slice(1)) absorbEvent(summary, e);
  return { summary, events };
}

interface Visitor {
  readonly site: string;
  readonly visitor: string;
  /** Open sessions, in order. */
  sessions: Session[];
  /**
   * When the visitor's earliest entry in the closing index falls due (Infinity: none known). A
   * later due time needs no new entry: that one fires first, and close() files the visitor again
   * at its real due time. (Filing every event was a Set insertion per event into ever larger
   * minute buckets.)
   */
  closingAt: number;
}

/** Called when a session start appears (+1) or disappears (-1): the minute windows count them. */
export type StartsListener = (site: string, start: number, delta: number) => void;

const keyOf = (site: string, visitor: string) => `${site}\u0000${visitor}`;
const BUCKET_MS = 60_000;

/** Visitors filed by a time (minute buckets), for "every visitor due by the watermark". */
class TimeIndex {
  readonly #buckets = new Map<number, Set<string>>();

  add(key: string, t: number): void {
    const b = Math.floor(t / BUCKET_MS);
    let set = this.#buckets.get(b);
    if (!set) {
      set = new Set();
      this.#buckets.set(b, set);
    }
    set.add(key);
  }

  /** Removes and returns the visitors filed at or before `t` (callers check and re-file). */
  takeDue(t: number): Set<string> {
    const keys = new Set<string>();
    for (const [b, set] of this.#buckets) {
      if (b * BUCKET_MS > t) continue;
      for (const k of set) keys.add(k);
      this.#buckets.delete(b);
    }
    return keys;
  }
}

export class Sessionizer {
  readonly #visitors = new Map<string, Visitor>();
  /** Visitors by when their first open session can close (lazy: checked when due). */
  readonly #closing = new TimeIndex();
  /** Visitors by when their youngest session stops being young (lazy). */
  readonly #aging = new TimeIndex();
  readonly #onStarts: StartsListener;
  readonly #partition: number;

  readonly #latenessMs: number;

  /**
   * `latenessMs` is the stream's allowed lateness: it decides which young sessions can ever be cut
   * by the cap (without it, every young session keeps its events, which is always correct).
   */
  constructor(kafkaPartition: number, onStarts: StartsListener, latenessMs = Number.POSITIVE_INFINITY) {
    this.#partition = kafkaPartition;
    this.#onStarts = onStarts;
    this.#latenessMs = latenessMs;
  }

  /**
   * A session starting at `start` keeps its events only if the cap could ever cut it: that needs
   * an open session of the visitor that started at least 24 h minus the allowed lateness earlier
   * (an out-of-order event may join the two while this one is young). Rare: long sessions only.
   */
  #newSession(v: Visitor, events: SessionEvent[]): Session {
    const session = sessionOf(events);
    const start = session.summary.first.t;
    const cuttable = v.sessions.some((s) => s.summary.first.t <= start + this.#latenessMs - SESSION_CAP_MS);
    if (!cuttable) session.events = null;
    return session;
  }

  /** An on-time event of a person (its time is at or after the watermark). */
  update(site: string, visitor: string, e: SessionEvent): void {
    const key = keyOf(site, visitor);
    let v = this.#visitors.get(key);
    if (!v) {
      v = { site, visitor, sessions: [], closingAt: Number.POSITIVE_INFINITY };
      this.#visitors.set(key, v);
    }
    const ss = v.sessions;
    // P: the last session starting at or before e; S: the one after it.
    let i = ss.length - 1;
    while (i >= 0 && before(e, (ss[i] as Session).summary.first)) i--;
    const P = ss[i];
    const S = ss[i + 1];
    if (P && !before(P.summary.last, e)) {
      // Inside P's span: gaps only shrink and the cap is not reached, so P stays one session.
      absorbEvent(P.summary, e);
      if (P.events) insertInOrder(P.events, e);
    } else {
      const joinP =
        P !== undefined &&
        e.t - P.summary.last.t < SESSION_GAP_MS &&
        e.t - P.summary.first.t < SESSION_CAP_MS;
      const joinS = S !== undefined && S.summary.first.t - e.t < SESSION_GAP_MS;
      if (joinS) this.#joinNext(v, i, e, joinP);
      else if (joinP) {
        absorbEvent(P.summary, e);
        P.events?.push(e);
      } else {
        ss.splice(i + 1, 0, this.#newSession(v, [e]));
        this.#onStarts(site, e.t, +1);
      }
    }
    this.#file(key, v);
  }

  /**
   * e joins the session after it (S, young: it starts after e, which is on time), and P before it
   * too when `joinP`. The joined run is cut again wherever the definition cuts it (the cap, counted
   * from the new start, may fall inside S).
   */
  #joinNext(v: Visitor, i: number, e: SessionEvent, joinP: boolean): void {
    const ss = v.sessions;
    const S = ss[i + 1] as Session;
    this.#onStarts(v.site, S.summary.first.t, -1);
    const head: Session = joinP ? (ss[i] as Session) : this.#newSession(v, [e]);
    if (joinP) {
      absorbEvent(head.summary, e);
      head.events?.push(e);
    } else this.#onStarts(v.site, e.t, +1);
    const start = head.summary.first.t;
    if (!S.events) {
      // S kept no events because the cap cannot reach it (see #newSession): all of it joins.
      if (S.summary.last.t - start >= SESSION_CAP_MS)
        throw new Error('sessionize: a session without events needs a cut');
      absorb(head.summary, S.summary);
      head.events = null;
      if (joinP) ss.splice(i, 2, head);
      else ss.splice(i + 1, 1, head);
      return;
    }
    // S's events join the head until the cap (from the head's start) cuts; the rest is segmented
    // by the same rule.
    let k = 0;
    while (k < S.events.length && (S.events[k] as SessionEvent).t - start < SESSION_CAP_MS) {
      const x = S.events[k] as SessionEvent;
      absorbEvent(head.summary, x);
      head.events?.push(x);
      k++;
    }
    const rest = S.events.slice(k);
    const restSessions = sessionStarts(rest).map((from, n, all) =>
      this.#newSession(v, rest.slice(from, all[n + 1] ?? rest.length)),
    );
    for (const r of restSessions) this.#onStarts(v.site, r.summary.first.t, +1);
    if (joinP) ss.splice(i, 2, head, ...restSessions);
    else ss.splice(i + 1, 1, head, ...restSessions);
  }

  #file(key: string, v: Visitor): void {
    this.#fileClosing(key, v);
    for (const s of v.sessions) if (s.events) this.#aging.add(key, s.summary.first.t);
  }

  #fileClosing(key: string, v: Visitor): void {
    const first = v.sessions[0];
    if (!first) return;
    const due = first.summary.last.t + SESSION_GAP_MS;
    if (due < v.closingAt) {
      this.#closing.add(key, due);
      v.closingAt = due;
    }
  }

  /**
   * The sessions that became final at this watermark, in (start, visitor) order; sessions that
   * started before it drop their events.
   */
  close(watermark: number): SessionRow[] {
    for (const key of this.#aging.takeDue(watermark)) {
      const v = this.#visitors.get(key);
      if (!v) continue;
      for (const s of v.sessions) {
        if (!s.events) continue;
        if (s.summary.first.t < watermark) s.events = null;
        else this.#aging.add(key, s.summary.first.t);
      }
    }
    const closed: SessionRow[] = [];
    for (const key of this.#closing.takeDue(watermark)) {
      const v = this.#visitors.get(key);
      if (!v) continue;
      // Its earliest entry was among those taken (entries fire in time order).
      v.closingAt = Number.POSITIVE_INFINITY;
      while (v.sessions[0] && v.sessions[0].summary.last.t + SESSION_GAP_MS <= watermark) {
        const done = v.sessions.shift() as Session;
        closed.push(rowOf(v.site, v.visitor, this.#partition, done.summary));
      }
      if (v.sessions.length === 0) this.#visitors.delete(key);
      else this.#fileClosing(key, v);
    }
    return closed.sort((a, b) => a.session_start - b.session_start || (a.visitor < b.visitor ? -1 : 1));
  }

  /** Open sessions and the events young ones hold, for the memory figures. */
  stats(): { visitors: number; sessions: number; events: number } {
    let sessions = 0;
    let events = 0;
    for (const v of this.#visitors.values()) {
      sessions += v.sessions.length;
      for (const s of v.sessions) events += s.events?.length ?? 0;
    }
    return { visitors: this.#visitors.size, sessions, events };
  }

  snapshot(): SessionsSnapshot {
    return [...this.#visitors.values()].map(({ site, visitor, sessions }) => [
      site,
      visitor,
      sessions.map((s) => [packSummary(s.summary), s.events?.map(pack) ?? null]),
    ]);
  }

  static restore(
    kafkaPartition: number,
    onStarts: StartsListener,
    json: SessionsSnapshot,
    latenessMs = Number.POSITIVE_INFINITY,
  ): Sessionizer {
    const z = new Sessionizer(kafkaPartition, onStarts, latenessMs);
    for (const [site, visitor, sessions] of json) {
      const v: Visitor = {
        site,
        visitor,
        closingAt: Number.POSITIVE_INFINITY,
        sessions: sessions.map(([summary, events]) => ({
          summary: unpackSummary(summary),
          events: events?.map(unpack) ?? null,
        })),
      };
      const key = keyOf(site, visitor);
      z.#visitors.set(key, v);
      z.#file(key, v);
    }
    return z;
  }
}

function insertInOrder(events: SessionEvent[], e: SessionEvent): void {
  let i = events.length;
  while (i > 0 && before(e, events[i - 1] as SessionEvent)) i--;
  events.splice(i, 0, e);
}

type PackedSummary = [
  first: [number, number, string, string, string | null, string | null],
  last: [number, number, string],
  counts: [events: number, pageViews: number, tracks: number, funnel: number],
  landing: [number, number, string, ...Array<string | null>] | null,
  exit: [number, number, string, string | null] | null,
  sdkIds: string[],
  orders: Array<[string, number, number, string, number | null, string | null]>,
];

function packSummary(s: Summary): PackedSummary {
  const { first: f, last: l, landing: g, exit: x } = s;
  return [
    [f.t, f.r, f.id, f.device, f.country, f.sdk],
    [l.t, l.r, l.id],
    [s.events, s.pageViews, s.tracks, s.funnel],
    g && [g.t, g.r, g.id, g.path, g.referrer, g.utmSource, g.utmMedium, g.utmCampaign],
    x && [x.t, x.r, x.id, x.path],
    [...s.sdkIds],
    [...s.orders].map(([order, o]) => [order, o.t, o.r, o.id, o.revenue, o.currency]),
  ];
}

function unpackSummary([f, l, counts, g, x, sdkIds, orders]: PackedSummary): Summary {
  return {
    first: { t: f[0], r: f[1], id: f[2], device: f[3], country: f[4], sdk: f[5] },
    last: { t: l[0], r: l[1], id: l[2] },
    events: counts[0],
    pageViews: counts[1],
    tracks: counts[2],
    funnel: counts[3],
    landing: g && {
      t: g[0],
      r: g[1],
      id: g[2],
      path: g[3] ?? null,
      referrer: g[4] ?? null,
      utmSource: g[5] ?? null,
      utmMedium: g[6] ?? null,
      utmCampaign: g[7] ?? null,
    },
    exit: x && { t: x[0], r: x[1], id: x[2], path: x[3] },
    sdkIds: new Set(sdkIds),
    orders: new Map(
      orders.map(([order, t, r, id, revenue, currency]) => [order, { t, r, id, revenue, currency }]),
    ),
  };
}
