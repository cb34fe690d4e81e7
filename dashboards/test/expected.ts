// What each chart must show, written as plain SQL against PostgreSQL, independently of the bundle's
// metric definitions (tables.ts): the test runs these beside Superset's answer and compares.
// `{range}` is the chart's time filter: TRUE, or `<time column> >= $1 AND < $2` for one day.
// Column names are Superset's labels: the metric's name, the grouped column's name, the time axis's
// column name (as epoch milliseconds, which is how Superset's JSON carries times).

const ms = (expr: string, col: string) => `(extract(epoch from ${expr}) * 1000)::float8 AS ${col}`;
const day = ms(`date_trunc('day', date)`, 'date');

export interface Expected {
  /** The column the day filter applies to (none: a current-state view). */
  readonly time?: string;
  readonly sql: string;
}

export const EXPECTED: Readonly<Record<string, Expected>> = {
  // live (the processor's views); the click rate's window is the chart's own (last 60 minutes)
  'live/click-rate': {
    sql: `SELECT ${ms(`date_trunc('minute', minute)`, 'minute')}, sum(clicks) AS clicks, sum(page_views) AS page_views
          FROM realtime.minute_totals WHERE minute >= now() - interval '60 minutes' AND minute < now() GROUP BY 1`,
  },
  'live/current-visitors': { sql: 'SELECT sum(visitors) AS visitors FROM realtime.current_visitors' },
  'live/visitors-today': { sql: 'SELECT sum(visitors) AS visitors FROM realtime.today' },
  'live/events-today': { sql: 'SELECT sum(events) AS events FROM realtime.today' },
  'live/orders-today': { sql: 'SELECT sum(orders) AS orders FROM realtime.today' },
  'live/top-pages': {
    sql: `SELECT page_path, sum(page_views) AS page_views FROM realtime.top_pages_now
          GROUP BY page_path ORDER BY page_views DESC LIMIT 10`,
  },
  'live/revenue-today': {
    sql: 'SELECT currency, sum(orders) AS orders, sum(revenue) AS revenue FROM realtime.revenue_today GROUP BY currency',
  },

  // daily (the batch's marts)
  'daily/visitors': {
    time: 'date',
    sql: `SELECT ${day}, sum(visitors) AS visitors FROM daily.summary WHERE {range} GROUP BY 1`,
  },
  'daily/sessions': {
    time: 'date',
    sql: `SELECT ${day}, sum(sessions) AS sessions FROM daily.summary WHERE {range} GROUP BY 1`,
  },
  'daily/conversion-rate': {
    time: 'date',
    sql: `SELECT ${day}, sum(orders)::numeric / sum(visitors) AS conversion_rate FROM daily.summary WHERE {range} GROUP BY 1`,
  },
  'daily/bounce-rate': {
    time: 'date',
    sql: `SELECT ${day}, sum(bounces)::numeric / sum(sessions) AS bounce_rate FROM daily.sessions_daily WHERE {range} GROUP BY 1`,
  },
  'daily/active-users-hourly': {
    time: 'hour',
    sql: `SELECT ${ms(`date_trunc('hour', hour)`, 'hour')}, sum(active_users) AS active_users
          FROM daily.active_users_hourly WHERE {range} GROUP BY 1`,
  },
  'daily/page-views-per-day': {
    time: 'date',
    sql: `SELECT ${day}, sum(page_views) AS page_views, sum(events) AS events FROM daily.summary WHERE {range} GROUP BY 1`,
  },
  'daily/top-pages': {
    time: 'date',
    sql: `SELECT page_path, sum(page_views) AS page_views, sum(visitors) AS visitor_days FROM daily.page_views
          WHERE {range} GROUP BY page_path ORDER BY page_views DESC LIMIT 20`,
  },
  'daily/landing-pages': {
    time: 'date',
    sql: `SELECT page_path, sum(sessions) AS sessions, sum(bounces)::numeric / sum(sessions) AS bounce_rate
          FROM daily.landing_pages WHERE {range} GROUP BY page_path ORDER BY sessions DESC LIMIT 20`,
  },
  'daily/top-products': {
    time: 'date',
    sql: `SELECT product_id, sum(views) AS views, sum(visitors) AS visitor_days FROM daily.product_views
          WHERE {range} GROUP BY product_id ORDER BY views DESC LIMIT 20`,
  },
  'daily/session-length-distribution': {
    time: 'date',
    sql: `SELECT bucket_order || '. ' || bucket AS bucket_label, sum(sessions) AS sessions FROM daily.session_length
          WHERE {range} GROUP BY 1`,
  },
  'daily/session-length-trend': {
    time: 'date',
    sql: `SELECT ${day}, max(median_duration_s) AS median_duration_s,
                 sum(mean_duration_s * sessions) / sum(sessions) AS mean_duration_s
          FROM daily.sessions_daily WHERE {range} GROUP BY 1`,
  },
  'daily/world-map': {
    time: 'date',
    sql: `SELECT country, sum(sessions) AS sessions FROM daily.geo
          WHERE {range} AND country IS NOT NULL AND country <> '' GROUP BY country`,
  },
  'daily/devices': {
    time: 'date',
    sql: 'SELECT device_type, sum(sessions) AS sessions FROM daily.technology WHERE {range} GROUP BY device_type',
  },
  'daily/browsers': {
    time: 'date',
    sql: `SELECT browser, os, sum(sessions) AS sessions, sum(visitors) AS visitor_days FROM daily.technology
          WHERE {range} GROUP BY browser, os ORDER BY sessions DESC LIMIT 20`,
  },
  'daily/funnel': {
    time: 'date',
    sql: `SELECT step, sum(visitors) AS visitors FROM daily.funnel WHERE {range} AND scope = 'day' GROUP BY step`,
  },
  'daily/orders-revenue': {
    time: 'date',
    sql: `SELECT currency, sum(orders) AS orders, sum(revenue) AS revenue, sum(revenue) / sum(orders) AS average_order_value
          FROM daily.orders WHERE {range} GROUP BY currency`,
  },
  'daily/revenue-per-day': {
    time: 'date',
    sql: `SELECT ${day}, currency, sum(revenue) AS revenue FROM daily.orders WHERE {range} GROUP BY 1, currency`,
  },
  'daily/traffic-sources': {
    time: 'date',
    sql: `SELECT referrer_domain, utm_source, utm_medium, utm_campaign, sum(sessions) AS sessions, sum(orders) AS orders,
                 sum(visitors) AS visitor_days
          FROM daily.traffic_sources WHERE {range}
          GROUP BY referrer_domain, utm_source, utm_medium, utm_campaign ORDER BY sessions DESC LIMIT 25`,
  },
  'daily/new-vs-returning': {
    time: 'date',
    sql: 'SELECT visitor_type, sum(visitors) AS visitor_days FROM daily.new_vs_returning WHERE {range} GROUP BY visitor_type',
  },
  'daily/data-quality': {
    time: 'date',
    sql: `SELECT ${day}, sum(bot_events) AS bot_events, sum(duplicates_removed) AS duplicates_removed
          FROM daily.summary WHERE {range} GROUP BY 1`,
  },
};

/** The expected SQL and its parameters, for all rows or one day [from, to). */
export function expectedQuery(
  e: Expected,
  day?: { from: string; to: string },
): { sql: string; params: string[] } {
  if (!day || !e.time) return { sql: e.sql.replaceAll('{range}', 'TRUE'), params: [] };
  return {
    sql: e.sql.replaceAll('{range}', `${e.time} >= $1::timestamptz AND ${e.time} < $2::timestamptz`),
    params: [day.from, day.to],
  };
}

type Value = string | number | boolean | null;

/** Numbers compared to 6 decimals (PostgreSQL numerics arrive as strings, Superset's as floats). */
function normalise(value: unknown): Value {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return Math.round(value * 1e6) / 1e6;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?(e-?\d+)?$/i.test(value))
    return Math.round(Number(value) * 1e6) / 1e6;
  return value as Value;
}

/** Rows as sorted JSON lines of the given columns (order of rows does not matter). */
export function canonical(rows: readonly Record<string, unknown>[], columns: readonly string[]): string[] {
  return rows.map((r) => JSON.stringify(columns.map((c) => normalise(r[c])))).sort();
}
