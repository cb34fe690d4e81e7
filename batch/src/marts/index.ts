// Every mart, in the order they are computed and listed (the summary reads the orders' rows).

import { reconciliation } from '../reconcile.ts';
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

/** Every output of a day: the marts, and the reconciliation with the stream (reconcile.ts). */
export const OUTPUT_MARTS: readonly Mart[] = [...MARTS, reconciliation];
