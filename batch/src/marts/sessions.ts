// Session marts: every session that started on the day (in the site's zone), with its events
// after midnight (prepare.ts has the definition shared with the stream).
import { idiv, ratio, roundDiv, seconds } from '../sql.ts';
import { columns, DAY_SESSIONS, type Mart } from './mart.ts';

/** Session length buckets: [from, to) in seconds; the last one is open. */
export const LENGTH_BUCKETS: ReadonlyArray<{ bucket: string; fromS: number; toS: number | null }> = [
  { bucket: '0-10 s', fromS: 0, toS: 10 },
  { bucket: '10-30 s', fromS: 10, toS: 30 },
  { bucket: '30-60 s', fromS: 30, toS: 60 },
  { bucket: '1-3 min', fromS: 60, toS: 180 },
  { bucket: '3-10 min', fromS: 180, toS: 600 },
  { bucket: '10-30 min', fromS: 600, toS: 1800 },
  { bucket: '30-60 min', fromS: 1800, toS: 3600 },
  { bucket: '60+ min', fromS: 3600, toS: null },
];

const bucketOrder = `CASE ${LENGTH_BUCKETS.map((b, i) =>
  b.toS === null ? `ELSE ${i + 1}` : `WHEN duration_ms < ${b.toS * 1000} THEN ${i + 1}`,
).join(' ')} END`;

export const sessionsDaily: Mart = {
  name: 'sessions_daily',
  description:
    'Sessions started on the day, bounces (one page view, no track event) and bounce rate, median and mean duration, page views per session.',
  columns: columns(
    'date:date site_id:text sessions:int bounces:int bounce_rate:decimal4 median_duration_s:seconds mean_duration_s:seconds pages_per_session:decimal4',
  ),
  sql: `
WITH s AS (${DAY_SESSIONS}),
ranked AS (
  SELECT site_id, duration_ms,
         row_number() OVER (PARTITION BY site_id ORDER BY duration_ms) AS rn,
         count(*) OVER (PARTITION BY site_id) AS n
  FROM s
),
middles AS (
  SELECT site_id, sum(duration_ms) AS middle_ms, count(*) AS middle_rows
  FROM ranked WHERE rn = ${idiv('n + 1', '2')} OR rn = ${idiv('n', '2')} + 1
  GROUP BY site_id
),
totals AS (
  SELECT site_id, count(*) AS sessions, sum(CASE WHEN is_bounce THEN 1 ELSE 0 END) AS bounces,
         sum(duration_ms) AS duration_ms, sum(page_views) AS page_views
  FROM s GROUP BY site_id
)
SELECT '$date' AS date, ds.site_id, coalesce(t.sessions, 0) AS sessions, coalesce(t.bounces, 0) AS bounces,
       ${ratio('t.bounces', 't.sessions')} AS bounce_rate,
       CASE WHEN m.middle_rows > 0 THEN ${seconds(roundDiv('m.middle_ms', 'm.middle_rows'))} END AS median_duration_s,
       CASE WHEN t.sessions > 0 THEN ${seconds(roundDiv('t.duration_ms', 't.sessions'))} END AS mean_duration_s,
       ${ratio('t.page_views', 't.sessions')} AS pages_per_session
FROM day_sites ds
LEFT JOIN totals t ON t.site_id = ds.site_id
LEFT JOIN middles m ON m.site_id = ds.site_id
ORDER BY ds.site_id`,
};

export const sessionLength: Mart = {
  name: 'session_length',
  description: `Sessions per length bucket (${LENGTH_BUCKETS.map((b) => b.bucket).join(', ')}); every bucket, 0 when none.`,
  columns: columns('date:date site_id:text bucket:text bucket_order:int sessions:int'),
  sql: `
WITH counts AS (
  SELECT site_id, ${bucketOrder} AS bucket_order, count(*) AS sessions
  FROM (${DAY_SESSIONS}) s GROUP BY site_id, ${bucketOrder}
)
SELECT '$date' AS date, ds.site_id, b.bucket, b.bucket_order, coalesce(c.sessions, 0) AS sessions
FROM day_sites ds CROSS JOIN session_length_buckets b
LEFT JOIN counts c ON c.site_id = ds.site_id AND c.bucket_order = b.bucket_order
ORDER BY ds.site_id, b.bucket_order`,
};

export const landingPages: Mart = {
  name: 'landing_pages',
  description: 'Sessions by their first page view: sessions, bounces, bounce rate.',
  columns: columns('date:date site_id:text page_path:text sessions:int bounces:int bounce_rate:decimal4'),
  sql: `
WITH c AS (
  SELECT site_id, landing_page, count(*) AS sessions, sum(CASE WHEN is_bounce THEN 1 ELSE 0 END) AS bounces
  FROM (${DAY_SESSIONS}) s WHERE landing_page IS NOT NULL GROUP BY site_id, landing_page
)
SELECT '$date' AS date, site_id, landing_page AS page_path, sessions, bounces,
       ${ratio('bounces', 'sessions')} AS bounce_rate
FROM c ORDER BY site_id, sessions DESC, page_path`,
};

export const exitPages: Mart = {
  name: 'exit_pages',
  description: 'Sessions by their last page view.',
  columns: columns('date:date site_id:text page_path:text sessions:int'),
  sql: `
SELECT '$date' AS date, site_id, exit_page AS page_path, count(*) AS sessions
FROM (${DAY_SESSIONS}) s WHERE exit_page IS NOT NULL GROUP BY site_id, exit_page
ORDER BY site_id, sessions DESC, page_path`,
};

/** Host of a URL, lower case, without a leading `www.`; NULL when there is none. */
const referrerDomain = (url: string) => {
  const host = `lower(regexp_extract(${url}, '^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*@)?([^/?#:]*)', 2))`;
  return `nullif(CASE WHEN substr(${host}, 1, 4) = 'www.' THEN substr(${host}, 5) ELSE ${host} END, '')`;
};

export const trafficSources: Mart = {
  name: 'traffic_sources',
  description:
    "Sessions by where they came from: the landing page view's referrer domain and UTM source, medium, campaign; visitors, sessions, orders.",
  columns: columns(
    'date:date site_id:text referrer_domain:text utm_source:text utm_medium:text utm_campaign:text visitors:int sessions:int orders:int',
  ),
  sql: `
WITH s AS (
  SELECT site_id, visitor, orders, ${referrerDomain('landing_referrer')} AS referrer_domain,
         utm_source, utm_medium, utm_campaign
  FROM (${DAY_SESSIONS}) d
)
SELECT '$date' AS date, site_id, referrer_domain, utm_source, utm_medium, utm_campaign,
       count(DISTINCT visitor) AS visitors, count(*) AS sessions, sum(orders) AS orders
FROM s GROUP BY site_id, referrer_domain, utm_source, utm_medium, utm_campaign
ORDER BY site_id, sessions DESC, referrer_domain NULLS FIRST, utm_source NULLS FIRST,
         utm_medium NULLS FIRST, utm_campaign NULLS FIRST`,
};

export const geo: Mart = {
  name: 'geo',
  description: "Sessions and distinct visitors by the country and region of the session's first event.",
  columns: columns('date:date site_id:text country:text region:text visitors:int sessions:int'),
  sql: `
SELECT '$date' AS date, site_id, country, region, count(DISTINCT visitor) AS visitors, count(*) AS sessions
FROM (${DAY_SESSIONS}) s GROUP BY site_id, country, region
ORDER BY site_id, sessions DESC, country NULLS LAST, region NULLS LAST`,
};

export const technology: Mart = {
  name: 'technology',
  description:
    "Sessions and distinct visitors by the device type, browser and OS of the session's first event.",
  columns: columns('date:date site_id:text device_type:text browser:text os:text visitors:int sessions:int'),
  sql: `
SELECT '$date' AS date, site_id, device_type, browser, os, count(DISTINCT visitor) AS visitors, count(*) AS sessions
FROM (${DAY_SESSIONS}) s GROUP BY site_id, device_type, browser, os
ORDER BY site_id, sessions DESC, device_type NULLS LAST, browser NULLS LAST, os NULLS LAST`,
};
