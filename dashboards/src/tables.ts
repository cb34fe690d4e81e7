// The one place that names the PostgreSQL tables and columns the dashboards read, with the saved
// metrics computed from them. `realtime.*` are the processor's views (processor/src/realtime-schema.ts)
// and `daily.*` the batch's marts (one table per mart, the CSV's columns; every mart starts with
// the site's local date and the site); when a name changes there, change it here and run
// `npm run dashboards -- generate`.
//
// Metrics over several days: counts (page views, sessions, orders, revenue) add up; distinct
// visitors do not (the same visitor on two days is two "visitor-days"), so a sum of `visitors` is
// labelled as such, and rates are recomputed from their parts (weighted by sessions) instead of
// averaged.
import { dataset } from './describe.ts';

const count = (column: string, label: string) => ({ sql: `SUM(${column})`, label, format: ',d' });

// ---- realtime: the processor's views (minute metrics of the last hours, UTC) ----

export const minuteTotals = dataset({
  key: 'realtime.minute_totals',
  schema: 'realtime',
  table: 'minute_totals',
  description: 'Events per site and minute (UTC), summed over Kafka partitions, with orders.',
  time: 'minute',
  columns: {
    site_id: 'TEXT',
    minute: 'TIMESTAMPTZ',
    events: 'BIGINT',
    page_views: 'BIGINT',
    clicks: 'BIGINT',
    visitors: 'BIGINT',
    orders: 'BIGINT',
  },
  metrics: {
    clicks: count('clicks', 'Clicks'),
    page_views: count('page_views', 'Page views'),
    events: count('events', 'Events'),
  },
});

export const currentVisitors = dataset({
  key: 'realtime.current_visitors',
  schema: 'realtime',
  table: 'current_visitors',
  description: 'Distinct visitors seen in the last 5 minutes (wall clock), per site.',
  columns: { site_id: 'TEXT', visitors: 'BIGINT' },
  metrics: { visitors: count('visitors', 'Current visitors') },
});

export const today = dataset({
  key: 'realtime.today',
  schema: 'realtime',
  table: 'today',
  description: 'Totals of the current UTC day so far, per site.',
  columns: { site_id: 'TEXT', events: 'BIGINT', page_views: 'BIGINT', visitors: 'BIGINT', orders: 'BIGINT' },
  metrics: {
    events: count('events', 'Events today'),
    orders: count('orders', 'Orders today'),
    visitors: count('visitors', 'Visitors today'),
  },
});

export const revenueToday = dataset({
  key: 'realtime.revenue_today',
  schema: 'realtime',
  table: 'revenue_today',
  description: 'Orders and revenue of the current UTC day so far, per site and currency.',
  columns: { site_id: 'TEXT', currency: 'TEXT', orders: 'BIGINT', revenue: 'NUMERIC' },
  metrics: {
    orders: count('orders', 'Orders'),
    revenue: { sql: 'SUM(revenue)', label: 'Revenue', format: ',.2f' },
  },
});

export const topPagesNow = dataset({
  key: 'realtime.top_pages_now',
  schema: 'realtime',
  table: 'top_pages_now',
  description: 'Page views per page in the last 30 minutes, per site.',
  columns: { site_id: 'TEXT', page_path: 'TEXT', page_views: 'BIGINT' },
  metrics: { page_views: count('page_views', 'Page views (30 min)') },
});

// ---- daily: the batch's marts (one row set per date, UTC days) ----

export const activeUsersHourly = dataset({
  key: 'daily.active_users_hourly',
  schema: 'daily',
  table: 'active_users_hourly',
  description: 'Distinct active visitors and events per UTC hour.',
  time: 'hour',
  columns: { date: 'DATE', site_id: 'TEXT', hour: 'TIMESTAMPTZ', active_users: 'BIGINT', events: 'BIGINT' },
  metrics: { active_users: count('active_users', 'Active users') },
});

export const pageViews = dataset({
  key: 'daily.page_views',
  schema: 'daily',
  table: 'page_views',
  description: 'Page views and distinct visitors per page and day.',
  time: 'date',
  columns: { date: 'DATE', site_id: 'TEXT', page_path: 'TEXT', page_views: 'BIGINT', visitors: 'BIGINT' },
  metrics: {
    page_views: count('page_views', 'Page views'),
    visitor_days: count('visitors', 'Visitors (summed over days)'),
  },
});

export const landingPages = dataset({
  key: 'daily.landing_pages',
  schema: 'daily',
  table: 'landing_pages',
  description: 'Sessions that started on each page, their bounces and bounce rate, per day.',
  time: 'date',
  columns: {
    date: 'DATE',
    site_id: 'TEXT',
    page_path: 'TEXT',
    sessions: 'BIGINT',
    bounces: 'BIGINT',
    bounce_rate: 'NUMERIC',
  },
  metrics: {
    sessions: count('sessions', 'Sessions'),
    bounce_rate: {
      sql: 'SUM(bounces)::numeric / NULLIF(SUM(sessions), 0)',
      label: 'Bounce rate',
      format: '.1%',
    },
  },
});

export const productViews = dataset({
  key: 'daily.product_views',
  schema: 'daily',
  table: 'product_views',
  description: 'Product Viewed events and distinct visitors per product and day.',
  time: 'date',
  columns: { date: 'DATE', site_id: 'TEXT', product_id: 'TEXT', views: 'BIGINT', visitors: 'BIGINT' },
  metrics: {
    views: count('views', 'Product views'),
    visitor_days: count('visitors', 'Visitors (summed over days)'),
  },
});

export const sessionsDaily = dataset({
  key: 'daily.sessions_daily',
  schema: 'daily',
  table: 'sessions_daily',
  description: 'Sessions that started on the day: count, bounce rate, durations, pages per session.',
  time: 'date',
  columns: {
    date: 'DATE',
    site_id: 'TEXT',
    sessions: 'BIGINT',
    bounces: 'BIGINT',
    bounce_rate: 'NUMERIC',
    median_duration_s: 'NUMERIC',
    mean_duration_s: 'NUMERIC',
    pages_per_session: 'NUMERIC',
  },
  metrics: {
    sessions: count('sessions', 'Sessions'),
    bounce_rate: {
      sql: 'SUM(bounces)::numeric / NULLIF(SUM(sessions), 0)',
      label: 'Bounce rate',
      format: '.1%',
    },
    // One row per day: on a daily axis these are the day's own values.
    median_duration_s: { sql: 'MAX(median_duration_s)', label: 'Median session length (s)', format: '.1f' },
    mean_duration_s: {
      sql: 'SUM(mean_duration_s * sessions) / NULLIF(SUM(sessions), 0)',
      label: 'Mean session length (s)',
      format: '.1f',
    },
  },
});

export const sessionLength = dataset({
  key: 'daily.session_length',
  schema: 'daily',
  table: 'session_length',
  description: 'Sessions per length bucket and day; bucket_order sorts the buckets.',
  time: 'date',
  columns: {
    date: 'DATE',
    site_id: 'TEXT',
    bucket: 'TEXT',
    bucket_order: 'BIGINT',
    sessions: 'BIGINT',
    // "1. 0-10 s", "2. 10-30 s", ...: a bar chart sorts its categories by their text, and the
    // numbers keep the buckets in order (the batch has 8; zero-pad here if it ever has 10 or more).
    bucket_label: { type: 'TEXT', sql: "bucket_order || '. ' || bucket" },
  },
  metrics: { sessions: count('sessions', 'Sessions') },
});

export const geo = dataset({
  key: 'daily.geo',
  schema: 'daily',
  table: 'geo',
  description: 'Visitors and sessions per country (ISO 3166-1 alpha-2) and region, per day.',
  time: 'date',
  columns: {
    date: 'DATE',
    site_id: 'TEXT',
    country: 'TEXT',
    region: 'TEXT',
    visitors: 'BIGINT',
    sessions: 'BIGINT',
  },
  metrics: {
    sessions: count('sessions', 'Sessions'),
    visitor_days: count('visitors', 'Visitors (summed over days)'),
  },
});

export const technology = dataset({
  key: 'daily.technology',
  schema: 'daily',
  table: 'technology',
  description: 'Visitors and sessions per device type, browser and OS, per day.',
  time: 'date',
  columns: {
    date: 'DATE',
    site_id: 'TEXT',
    device_type: 'TEXT',
    browser: 'TEXT',
    os: 'TEXT',
    visitors: 'BIGINT',
    sessions: 'BIGINT',
  },
  metrics: {
    sessions: count('sessions', 'Sessions'),
    visitor_days: count('visitors', 'Visitors (summed over days)'),
  },
});

/**
 * Which rows of daily.funnel the funnel chart shows: 'day' counts visitors by the furthest step
 * they reached over the day ('session' counts sessions).
 */
export const FUNNEL_SCOPE = 'day';

export const funnel = dataset({
  key: 'daily.funnel',
  schema: 'daily',
  table: 'funnel',
  description: 'Visitors reaching each step of the shop funnel, per scope and day.',
  time: 'date',
  columns: {
    date: 'DATE',
    site_id: 'TEXT',
    scope: 'TEXT',
    step: 'TEXT',
    step_order: 'BIGINT',
    visitors: 'BIGINT',
    sessions: 'BIGINT',
    rate_from_previous: 'NUMERIC',
    rate_from_first: 'NUMERIC',
  },
  metrics: { visitors: count('visitors', 'Visitors') },
});

export const orders = dataset({
  key: 'daily.orders',
  schema: 'daily',
  table: 'orders',
  description: 'Orders and revenue per currency and day (revenue is never added across currencies).',
  time: 'date',
  columns: {
    date: 'DATE',
    site_id: 'TEXT',
    currency: 'TEXT',
    orders: 'BIGINT',
    revenue: 'NUMERIC',
    average_order_value: 'NUMERIC',
    revenue_per_visitor: 'NUMERIC',
  },
  metrics: {
    orders: count('orders', 'Orders'),
    revenue: { sql: 'SUM(revenue)', label: 'Revenue', format: ',.2f' },
    average_order_value: {
      sql: 'SUM(revenue) / NULLIF(SUM(orders), 0)',
      label: 'Average order value',
      format: ',.2f',
    },
  },
});

export const trafficSources = dataset({
  key: 'daily.traffic_sources',
  schema: 'daily',
  table: 'traffic_sources',
  description: 'Visitors, sessions and orders per referrer domain and UTM source/medium/campaign, per day.',
  time: 'date',
  columns: {
    date: 'DATE',
    site_id: 'TEXT',
    referrer_domain: 'TEXT',
    utm_source: 'TEXT',
    utm_medium: 'TEXT',
    utm_campaign: 'TEXT',
    visitors: 'BIGINT',
    sessions: 'BIGINT',
    orders: 'BIGINT',
  },
  metrics: {
    sessions: count('sessions', 'Sessions'),
    orders: count('orders', 'Orders'),
    visitor_days: count('visitors', 'Visitors (summed over days)'),
  },
});

export const newVsReturning = dataset({
  key: 'daily.new_vs_returning',
  schema: 'daily',
  table: 'new_vs_returning',
  description: 'Visitors of the day who were new or had visited before.',
  time: 'date',
  columns: { date: 'DATE', site_id: 'TEXT', visitor_type: 'TEXT', visitors: 'BIGINT' },
  metrics: { visitor_days: count('visitors', 'Visitors (summed over days)') },
});

export const summary = dataset({
  key: 'daily.summary',
  schema: 'daily',
  table: 'summary',
  description:
    'One row per site and day: visitors, sessions, page views, events, orders, revenue, and what was left out.',
  time: 'date',
  columns: {
    date: 'DATE',
    site_id: 'TEXT',
    time_zone: 'TEXT',
    visitors: 'BIGINT',
    sessions: 'BIGINT',
    page_views: 'BIGINT',
    events: 'BIGINT',
    orders: 'BIGINT',
    revenue_by_currency: 'TEXT',
    reporting_currency: 'TEXT',
    revenue_in_reporting_currency: 'NUMERIC',
    currencies_without_rate: 'TEXT',
    bot_events: 'BIGINT',
    duplicates_removed: 'BIGINT',
    future_timestamps: 'BIGINT',
    missing_timestamps: 'BIGINT',
  },
  metrics: {
    // On a daily axis (and in a big number's latest value) this is the day's distinct visitors.
    visitors: count('visitors', 'Visitors'),
    sessions: count('sessions', 'Sessions'),
    page_views: count('page_views', 'Page views'),
    events: count('events', 'Events'),
    orders: count('orders', 'Orders'),
    conversion_rate: {
      sql: 'SUM(orders)::numeric / NULLIF(SUM(visitors), 0)',
      label: 'Conversion rate (orders per visitor)',
      format: '.2%',
    },
    bot_events: count('bot_events', 'Bot events (left out)'),
    duplicates_removed: count('duplicates_removed', 'Duplicates removed'),
  },
});
