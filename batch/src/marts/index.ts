// Every mart, in the order they are computed and listed (the summary reads the orders' rows).
import { newVsReturning, summary } from './audience.ts';
import { funnel, orders } from './commerce.ts';
import type { Mart } from './mart.ts';
import {
  exitPages,
  geo,
  landingPages,
  sessionLength,
  sessionsDaily,
  technology,
  trafficSources,
} from './sessions.ts';
import {
  activeUsersHourly,
  eventsByCountry,
  eventsByDevice,
  pageViews,
  pageViewsHourly,
  productViews,
  trafficHourly,
} from './traffic.ts';

export const MARTS: readonly Mart[] = [
  pageViews,
  activeUsersHourly,
  eventsByDevice,
  eventsByCountry,
  productViews,
  orders,
  trafficHourly,
  pageViewsHourly,
  sessionsDaily,
  sessionLength,
  landingPages,
  exitPages,
  funnel,
  trafficSources,
  geo,
  technology,
  newVsReturning,
  summary,
];
