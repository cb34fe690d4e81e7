// The live dashboard: what is happening on the sites now, from the processor's `realtime` views.
// It refreshes every 10 s, the shortest preset of Superset's refresh menu: the finest grain here is
// a minute, each refresh re-runs every chart's query (refreshes bypass the cache), and the live
// page of our own (pushed, not polled) is the place for second-by-second numbers.
import { chart, type Dashboard } from './describe.ts';
import { currentVisitors, minuteTotals, revenueToday, today, topPagesNow } from './tables.ts';

const clickRate = chart({
  key: 'live/click-rate',
  title: 'Clicks and page views per minute (last 60 minutes, UTC)',
  kind: 'timeseries',
  style: 'line',
  dataset: minuteTotals,
  metrics: ['clicks', 'page_views'],
  grain: 'PT1M',
  timeRange: 'DATEADD(DATETIME("now"), -60, minute) : now',
});

const visitorsNow = chart({
  key: 'live/current-visitors',
  title: 'Current visitors (last 5 minutes)',
  kind: 'number',
  dataset: currentVisitors,
  metric: 'visitors',
});

const eventsToday = chart({
  key: 'live/events-today',
  title: 'Events today (UTC)',
  kind: 'number',
  dataset: today,
  metric: 'events',
});

const ordersToday = chart({
  key: 'live/orders-today',
  title: 'Orders today (UTC)',
  kind: 'number',
  dataset: today,
  metric: 'orders',
});

const visitorsToday = chart({
  key: 'live/visitors-today',
  title: 'Visitors today (UTC)',
  kind: 'number',
  dataset: today,
  metric: 'visitors',
});

const revenue = chart({
  key: 'live/revenue-today',
  title: 'Revenue today by currency (UTC)',
  kind: 'table',
  dataset: revenueToday,
  groupby: ['currency'],
  metrics: ['orders', 'revenue'],
  sortBy: 'orders',
  limit: 20,
});

const topPages = chart({
  key: 'live/top-pages',
  title: 'Top pages now (last 30 minutes)',
  kind: 'table',
  dataset: topPagesNow,
  groupby: ['page_path'],
  metrics: ['page_views'],
  sortBy: 'page_views',
  limit: 10,
});

export const liveDashboard: Dashboard = {
  key: 'clickstream-live',
  title: 'Clickstream: live',
  description: 'Current visitors, clicks per minute, today so far (with revenue) and the top pages now.',
  refreshSeconds: 10,
  siteFilter: minuteTotals,
  rows: [
    [
      { chart: visitorsNow, width: 3, height: 30 },
      { chart: visitorsToday, width: 3, height: 30 },
      { chart: eventsToday, width: 3, height: 30 },
      { chart: ordersToday, width: 3, height: 30 },
    ],
    [
      { chart: clickRate, width: 8, height: 60 },
      { chart: topPages, width: 4, height: 60 },
    ],
    [{ chart: revenue, width: 4, height: 30 }],
  ],
};
