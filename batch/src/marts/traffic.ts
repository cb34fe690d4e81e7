// Traffic marts: pages, hours, devices, countries, products. All count the day's deduplicated,
// non-bot events (prepare.ts).
import { columns, DAY_EVENTS, DAY_HOURS, DAY_SESSIONS, type Mart } from './mart.ts';

export const pageViews: Mart = {
  name: 'page_views',
  description: 'Page views and distinct visitors per page (normalised path).',
  columns: columns('date:date site_id:text page_path:text page_views:int visitors:int'),
  sql: `
SELECT '$date' AS date, site_id, page_path, count(*) AS page_views, count(DISTINCT visitor) AS visitors
FROM (${DAY_EVENTS}) e WHERE type = 'page'
GROUP BY site_id, page_path
ORDER BY site_id, page_views DESC, page_path NULLS LAST`,
};

export const activeUsersHourly: Mart = {
  name: 'active_users_hourly',
  description: 'Distinct visitors and events per local hour; every hour of the day, 0 when none.',
  columns: columns('date:date site_id:text hour:hour active_users:int events:int'),
  sql: `
WITH hours AS (${DAY_HOURS}),
counts AS (
  SELECT site_id, hour_start, count(DISTINCT visitor) AS active_users, count(*) AS events
  FROM (${DAY_EVENTS}) e GROUP BY site_id, hour_start
)
SELECT '$date' AS date, h.site_id, h.hour_start AS hour,
       coalesce(c.active_users, 0) AS active_users, coalesce(c.events, 0) AS events
FROM hours h LEFT JOIN counts c ON c.site_id = h.site_id AND c.hour_start = h.hour_start
ORDER BY h.site_id, h.first_quarter`,
};

export const trafficHourly: Mart = {
  name: 'traffic_hourly',
  description:
    'Per local hour: events, page views, distinct visitors, sessions started; every hour of the day.',
  columns: columns('date:date site_id:text hour:hour events:int page_views:int visitors:int sessions:int'),
  sql: `
WITH hours AS (${DAY_HOURS}),
counts AS (
  SELECT site_id, hour_start, count(*) AS events, sum(CASE WHEN type = 'page' THEN 1 ELSE 0 END) AS page_views,
         count(DISTINCT visitor) AS visitors
  FROM (${DAY_EVENTS}) e GROUP BY site_id, hour_start
),
started AS (
  SELECT site_id, hour_start, count(*) AS sessions FROM (${DAY_SESSIONS}) s GROUP BY site_id, hour_start
)
SELECT '$date' AS date, h.site_id, h.hour_start AS hour, coalesce(c.events, 0) AS events,
       coalesce(c.page_views, 0) AS page_views, coalesce(c.visitors, 0) AS visitors,
       coalesce(s.sessions, 0) AS sessions
FROM hours h
LEFT JOIN counts c ON c.site_id = h.site_id AND c.hour_start = h.hour_start
LEFT JOIN started s ON s.site_id = h.site_id AND s.hour_start = h.hour_start
ORDER BY h.site_id, h.first_quarter`,
};

export const pageViewsHourly: Mart = {
  name: 'page_views_hourly',
  description:
    'Per local hour and page: page views, and events of any type on that page; pages with events only.',
  columns: columns('date:date site_id:text hour:hour page_path:text page_views:int events:int'),
  sql: `
WITH hours AS (${DAY_HOURS}),
counts AS (
  SELECT site_id, hour_start, page_path, sum(CASE WHEN type = 'page' THEN 1 ELSE 0 END) AS page_views,
         count(*) AS events
  FROM (${DAY_EVENTS}) e WHERE page_path IS NOT NULL
  GROUP BY site_id, hour_start, page_path
)
SELECT '$date' AS date, c.site_id, c.hour_start AS hour, c.page_path, c.page_views, c.events
FROM counts c JOIN hours h ON h.site_id = c.site_id AND h.hour_start = c.hour_start
ORDER BY c.site_id, h.first_quarter, c.page_views DESC, c.events DESC, c.page_path`,
};

export const eventsByDevice: Mart = {
  name: 'events_by_device',
  description: 'Events and distinct visitors per device type.',
  columns: columns('date:date site_id:text device_type:text events:int visitors:int'),
  sql: `
SELECT '$date' AS date, site_id, device_type, count(*) AS events, count(DISTINCT visitor) AS visitors
FROM (${DAY_EVENTS}) e GROUP BY site_id, device_type
ORDER BY site_id, events DESC, device_type NULLS LAST`,
};

export const eventsByCountry: Mart = {
  name: 'events_by_country',
  description: 'Events and distinct visitors per country (empty: unknown, e.g. private IPs).',
  columns: columns('date:date site_id:text country:text events:int visitors:int'),
  sql: `
SELECT '$date' AS date, site_id, geo_country AS country, count(*) AS events, count(DISTINCT visitor) AS visitors
FROM (${DAY_EVENTS}) e GROUP BY site_id, geo_country
ORDER BY site_id, events DESC, country NULLS LAST`,
};

export const productViews: Mart = {
  name: 'product_views',
  description: 'Product Viewed events and distinct visitors per product.',
  columns: columns('date:date site_id:text product_id:text views:int visitors:int'),
  sql: `
SELECT '$date' AS date, site_id, product_id, count(*) AS views, count(DISTINCT visitor) AS visitors
FROM (${DAY_EVENTS}) e WHERE type = 'track' AND event_name = 'Product Viewed' AND product_id IS NOT NULL
GROUP BY site_id, product_id
ORDER BY site_id, views DESC, product_id`,
};
