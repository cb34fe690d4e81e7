// What the live page shows for one site, and the delta between two of them. Pure and free of Node
// APIs: the server computes deltas with it and the browser applies them with the same code.

/** One minute of the last hour (event time, UTC minute start). */
export interface MinuteRow {
  /** ISO 8601 start of the minute. */
  readonly minute: string;
  readonly events: number;
  readonly pageViews: number;
  readonly clicks: number;
  readonly orders: number;
}

export interface TopPage {
  readonly path: string;
  readonly pageViews: number;
}

export interface Today {
  readonly events: number;
  readonly pageViews: number;
  readonly clicks: number;
  readonly visitors: number;
  readonly orders: number;
}

export interface RevenueRow {
  /** ISO 4217 code as the shop sent it; null for orders reported without a currency. */
  readonly currency: string | null;
  readonly orders: number;
  /** Exact decimal (PostgreSQL numeric) as a string: money is never a float here. */
  readonly revenue: string | null;
}

export interface Snapshot {
  readonly site: string;
  /** The database's clock when the numbers were read (ISO 8601). */
  readonly at: string;
  /** Distinct visitors seen in the last 5 minutes (the processor's `current_visitors`). */
  readonly currentVisitors: number;
  /** Exactly MINUTES rows, oldest first, the last being the current minute; missing minutes are 0. */
  readonly minutes: readonly MinuteRow[];
  /** Most viewed pages of the last 30 minutes, most first (at most TOP_PAGES). */
  readonly topPages: readonly TopPage[];
  /** Since midnight UTC. */
  readonly today: Today;
  /** Orders and revenue since midnight UTC, one row per currency (never summed across currencies). */
  readonly revenueToday: readonly RevenueRow[];
}

/** What changed since the previous snapshot the client holds; absent fields did not change. */
export interface Delta {
  readonly site: string;
  readonly at: string;
  readonly currentVisitors?: number;
  readonly today?: Today;
  readonly topPages?: readonly TopPage[];
  readonly revenueToday?: readonly RevenueRow[];
  /** Start of the 60-minute window (it moves every minute). */
  readonly windowStart: string;
  /** Minutes whose numbers differ from the previous snapshot's (or are new and not all zero). */
  readonly minutes: readonly MinuteRow[];
}

export const MINUTES = 60;
export const TOP_PAGES = 10;
const MINUTE_MS = 60_000;

const zeroMinute = (minute: string): MinuteRow => ({ minute, events: 0, pageViews: 0, clicks: 0, orders: 0 });

/**
 * The window's MINUTES rows ending at the minute of `now`: rows found in `rows` (any order, any
 * minutes) where they exist, zeros elsewhere; rows outside the window are dropped.
 */
export function fillMinutes(rows: readonly MinuteRow[], now: Date | string): MinuteRow[] {
  const end = Math.floor(new Date(now).getTime() / MINUTE_MS) * MINUTE_MS;
  return windowFrom(new Date(end - (MINUTES - 1) * MINUTE_MS).toISOString(), rows);
}

function windowFrom(windowStart: string, rows: readonly MinuteRow[]): MinuteRow[] {
  const start = Date.parse(windowStart);
  const byMinute = new Map(rows.map((r) => [Date.parse(r.minute), r]));
  return Array.from({ length: MINUTES }, (_, i) => {
    const t = start + i * MINUTE_MS;
    const row = byMinute.get(t);
    const minute = new Date(t).toISOString();
    return row ? { ...row, minute } : zeroMinute(minute);
  });
}

const sameMinute = (a: MinuteRow, b: MinuteRow) =>
  a.events === b.events && a.pageViews === b.pageViews && a.clicks === b.clicks && a.orders === b.orders;

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The delta from `prev` to `next` (same site), or null when nothing the page shows changed. */
export function diffSnapshot(prev: Snapshot, next: Snapshot): Delta | null {
  const before = new Map(prev.minutes.map((r) => [r.minute, r]));
  const minutes = next.minutes.filter((r) => {
    const old = before.get(r.minute);
    return old ? !sameMinute(old, r) : r.events + r.pageViews + r.clicks + r.orders > 0;
  });
  const windowStart = next.minutes[0]?.minute ?? prev.minutes[0]?.minute ?? next.at;
  const delta: {
    -readonly [K in keyof Delta]: Delta[K];
  } = { site: next.site, at: next.at, windowStart, minutes };
  if (prev.currentVisitors !== next.currentVisitors) delta.currentVisitors = next.currentVisitors;
  if (!sameJson(prev.today, next.today)) delta.today = next.today;
  if (!sameJson(prev.topPages, next.topPages)) delta.topPages = next.topPages;
  if (!sameJson(prev.revenueToday, next.revenueToday)) delta.revenueToday = next.revenueToday;
  const moved = windowStart !== prev.minutes[0]?.minute;
  const changed =
    moved ||
    minutes.length > 0 ||
    delta.currentVisitors !== undefined ||
    delta.today !== undefined ||
    delta.topPages !== undefined ||
    delta.revenueToday !== undefined;
  return changed ? delta : null;
}

/** The snapshot `delta` leads to from `prev`: applyDelta(a, diffSnapshot(a, b)) equals b. */
export function applyDelta(prev: Snapshot, delta: Delta): Snapshot {
  const merged = new Map(prev.minutes.map((r) => [r.minute, r]));
  for (const r of delta.minutes) merged.set(r.minute, r);
  return {
    site: delta.site,
    at: delta.at,
    currentVisitors: delta.currentVisitors ?? prev.currentVisitors,
    minutes: windowFrom(delta.windowStart, [...merged.values()]),
    topPages: delta.topPages ?? prev.topPages,
    today: delta.today ?? prev.today,
    revenueToday: delta.revenueToday ?? prev.revenueToday,
  };
}
