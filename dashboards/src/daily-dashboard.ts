// The daily dashboard: the batch's marts in the `daily` schema, one point per day (or hour), with a
// date filter (default: the last 7 days; the batch fills complete days up to yesterday) and a site
// filter. Dates are the sites' local days (each site's reporting time zone).
import { chart, type Dashboard } from './describe.ts';
import {
  activeUsersHourly,
  FUNNEL_SCOPE,
  funnel,
  geo,
  landingPages,
  newVsReturning,
  orders,
  pageViews,
  productViews,
  sessionLength,
  sessionsDaily,
  summary,
  technology,
  trafficSources,
} from './tables.ts';

const trend = (key: string, title: string, metric: keyof typeof summary.metrics) =>
  chart({ key: `daily/${key}`, title, kind: 'number-trend', dataset: summary, metric, grain: 'P1D' });

const visitors = trend('visitors', 'Visitors (latest day)', 'visitors');
const sessions = trend('sessions', 'Sessions (latest day)', 'sessions');
const conversion = trend('conversion-rate', 'Conversion rate (latest day)', 'conversion_rate');

const bounceRate = chart({
  key: 'daily/bounce-rate',
  title: 'Bounce rate (latest day)',
  kind: 'number-trend',
  dataset: sessionsDaily,
  metric: 'bounce_rate',
  grain: 'P1D',
});

const activeUsers = chart({
  key: 'daily/active-users-hourly',
  title: 'Active users per hour (UTC)',
  kind: 'timeseries',
  style: 'line',
  dataset: activeUsersHourly,
  metrics: ['active_users'],
  grain: 'PT1H',
});

const pageViewsPerDay = chart({
  key: 'daily/page-views-per-day',
  title: 'Page views and events per day',
  kind: 'timeseries',
  style: 'bar',
  dataset: summary,
  metrics: ['page_views', 'events'],
  grain: 'P1D',
});

const topPages = chart({
  key: 'daily/top-pages',
  title: 'Most viewed pages',
  kind: 'table',
  dataset: pageViews,
  groupby: ['page_path'],
  metrics: ['page_views', 'visitor_days'],
  sortBy: 'page_views',
  limit: 20,
});

const landing = chart({
  key: 'daily/landing-pages',
  title: 'Landing pages and their bounce rate',
  kind: 'table',
  dataset: landingPages,
  groupby: ['page_path'],
  metrics: ['sessions', 'bounce_rate'],
  sortBy: 'sessions',
  limit: 20,
});

const topProducts = chart({
  key: 'daily/top-products',
  title: 'Most viewed products',
  kind: 'table',
  dataset: productViews,
  groupby: ['product_id'],
  metrics: ['views', 'visitor_days'],
  sortBy: 'views',
  limit: 20,
});

const lengthDistribution = chart({
  key: 'daily/session-length-distribution',
  title: 'Session length distribution',
  kind: 'bar',
  dataset: sessionLength,
  x: 'bucket_label',
  metric: 'sessions',
});

const lengthTrend = chart({
  key: 'daily/session-length-trend',
  title: 'Session length per day (seconds)',
  kind: 'timeseries',
  style: 'line',
  dataset: sessionsDaily,
  metrics: ['median_duration_s', 'mean_duration_s'],
  grain: 'P1D',
});

const worldMap = chart({
  key: 'daily/world-map',
  title: 'Sessions by country',
  kind: 'world-map',
  dataset: geo,
  country: 'country',
  metric: 'sessions',
  // Unknown countries (private or loopback addresses) have no place on a map.
  where: "country IS NOT NULL AND country <> ''",
});

const devices = chart({
  key: 'daily/devices',
  title: 'Sessions by device type',
  kind: 'pie',
  dataset: technology,
  groupby: 'device_type',
  metric: 'sessions',
});

const browsers = chart({
  key: 'daily/browsers',
  title: 'Browsers and operating systems',
  kind: 'table',
  dataset: technology,
  groupby: ['browser', 'os'],
  metrics: ['sessions', 'visitor_days'],
  sortBy: 'sessions',
  limit: 20,
});

const shopFunnel = chart({
  key: 'daily/funnel',
  title: 'Shop funnel (visitors per step)',
  kind: 'funnel',
  dataset: funnel,
  step: 'step',
  metric: 'visitors',
  where: `scope = '${FUNNEL_SCOPE}'`,
});

const ordersRevenue = chart({
  key: 'daily/orders-revenue',
  title: 'Orders and revenue by currency',
  kind: 'table',
  dataset: orders,
  groupby: ['currency'],
  metrics: ['orders', 'revenue', 'average_order_value'],
  sortBy: 'orders',
  limit: 50,
});

const revenuePerDay = chart({
  key: 'daily/revenue-per-day',
  title: 'Revenue per day by currency',
  kind: 'timeseries',
  style: 'bar',
  dataset: orders,
  metrics: ['revenue'],
  groupby: ['currency'],
  grain: 'P1D',
});

const sources = chart({
  key: 'daily/traffic-sources',
  title: 'Traffic sources (referrer and UTM)',
  kind: 'table',
  dataset: trafficSources,
  groupby: ['referrer_domain', 'utm_source', 'utm_medium', 'utm_campaign'],
  metrics: ['sessions', 'orders', 'visitor_days'],
  sortBy: 'sessions',
  limit: 25,
});

const newReturning = chart({
  key: 'daily/new-vs-returning',
  title: 'New and returning visitors',
  kind: 'pie',
  dataset: newVsReturning,
  groupby: 'visitor_type',
  metric: 'visitor_days',
});

const dataQuality = chart({
  key: 'daily/data-quality',
  title: 'Left out of the numbers: bot events and duplicates',
  kind: 'timeseries',
  style: 'bar',
  dataset: summary,
  metrics: ['bot_events', 'duplicates_removed'],
  grain: 'P1D',
});

export const dailyDashboard: Dashboard = {
  key: 'clickstream-daily',
  title: 'Clickstream: daily',
  description:
    'The daily batch: traffic, pages, products, sessions, geography, devices, funnel, orders, sources.',
  refreshSeconds: 0,
  dateFilter: { name: 'Date', defaultRange: 'Last week' },
  siteFilter: summary,
  rows: [
    [
      { chart: visitors, width: 3, height: 40 },
      { chart: sessions, width: 3, height: 40 },
      { chart: bounceRate, width: 3, height: 40 },
      { chart: conversion, width: 3, height: 40 },
    ],
    [
      { chart: activeUsers, width: 6 },
      { chart: pageViewsPerDay, width: 6 },
    ],
    [
      { chart: topPages, width: 4 },
      { chart: landing, width: 4 },
      { chart: topProducts, width: 4 },
    ],
    [
      { chart: lengthDistribution, width: 6 },
      { chart: lengthTrend, width: 6 },
    ],
    [
      { chart: worldMap, width: 8, height: 60 },
      { chart: devices, width: 4, height: 60 },
    ],
    [
      { chart: shopFunnel, width: 4 },
      { chart: ordersRevenue, width: 4 },
      { chart: revenuePerDay, width: 4 },
    ],
    [
      { chart: sources, width: 6 },
      { chart: newReturning, width: 3 },
      { chart: browsers, width: 3 },
    ],
    [{ chart: dataQuality, width: 12, height: 40 }],
  ],
};
