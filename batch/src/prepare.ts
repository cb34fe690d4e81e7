// The shared tables every mart reads, built in this order by compute-day.ts (portable SQL, see
// sql.ts). Inputs, loaded by the engine: `lake` (the Parquet files of the UTC days the batch reads,
// with the text partition columns dt and hour), and the side tables the batch computes in
// TypeScript: `all_sites(site_id, zone, configured)`, `zone_quarters(zone, quarter, local_date,
// hour_start)` (local-time.ts), `page_paths(raw, path)` (normalisePagePath), `history(site_id,
// visitor, first_seen_ms)` (visitor-history.ts).
//
// The definitions (batch/README.md says the same in prose):
// - Visitor: anonymous_id, else 'user:' || user_id; events with neither belong to no visitor and
//   no session (they still count as events).
// - Duplicates: copies of a message_id. The first received copy is kept (smallest received_at,
//   then smallest event_time); its event_time decides the day. Deduplication runs over all the days
//   read, so a retry whose copies straddle midnight counts once.
// - Bots (is_bot) are deduplicated like everyone, then left out of every metric; counted apart.
// - Money: revenue (a double in the lake) becomes integer micros, rounded like the stream rounds it
//   (REVENUE_MICROS below). Currency codes are trimmed and upper-cased.
import { literal } from './sql.ts';

const DOUBLE = (n: string) => `CAST(${n} AS DOUBLE)`;

/**
 * Revenue in integer micros, exactly as the stream computes it (schema/src/money.ts, toMicros):
 * the double's exact binary value rounded half away from zero to 6 places. A plain
 * `revenue * 1e6` would round once more, and DuckDB and Spark cast doubles to decimals by
 * different rules, so the digits are taken apart with error-free double steps instead (every
 * engine computes IEEE doubles identically): hi = floor(|x|) and f = |x| - hi are exact;
 * p = fl(f * 10^6) and its exact error e (Dekker's product, with Veltkamp's split of f) give
 * f * 10^6 = p + e exactly; the rounding then only needs p's fraction r and the sign of e.
 * |revenue| >= 10^12 is treated as missing.
 */
const REVENUE_MICROS = `
  CASE WHEN m.rev_abs IS NOT NULL THEN m.rev_sign * (
    CAST(m.rev_hi AS BIGINT) * 1000000 + CAST(floor(m.rev_p) AS BIGINT)
    + CASE WHEN m.rev_r > ${DOUBLE('0.5')} OR (m.rev_r = ${DOUBLE('0.5')} AND m.rev_e >= ${DOUBLE('0')}) THEN 1 ELSE 0 END
  ) END`;

const revenueSteps = (from: string) => `
SELECT m3.*, m3.rev_p - floor(m3.rev_p) AS rev_r,
       (m3.rev_fh * ${DOUBLE('1000000')} - m3.rev_p) + (m3.rev_f - m3.rev_fh) * ${DOUBLE('1000000')} AS rev_e
FROM (
  SELECT m2.*, m2.rev_f * ${DOUBLE('1000000')} AS rev_p,
         m2.rev_f * ${DOUBLE('134217729')} - (m2.rev_f * ${DOUBLE('134217729')} - m2.rev_f) AS rev_fh
  FROM (
    SELECT m1.*, floor(m1.rev_abs) AS rev_hi, m1.rev_abs - floor(m1.rev_abs) AS rev_f
    FROM (
      SELECT x.*, CASE WHEN x.revenue < ${DOUBLE('0')} THEN -1 ELSE 1 END AS rev_sign,
             CASE WHEN abs(x.revenue) < ${DOUBLE('1000000000000')} THEN abs(x.revenue) END AS rev_abs
      FROM (${from}) x
    ) m1
  ) m2
) m3`;

/** The day's events, as every mart sees them: one row per message, local date and hour, normalised path. */
export const EVENTS_SQL = `
SELECT m.message_id, m.site_id, m.visitor, m.type, m.event_name, m.sdk_session_id,
       m.event_ms, m.received_ms, q.local_date, q.hour_start,
       m.future_timestamp, m.missing_timestamp, m.is_bot, m.copies - 1 AS duplicates,
       p.path AS page_path, m.page_referrer, m.utm_source, m.utm_medium, m.utm_campaign,
       m.device_type, m.browser_name, m.os_name, m.geo_country, m.geo_region,
       m.product_id, m.order_id, ${REVENUE_MICROS} AS revenue_micros,
       nullif(upper(trim(m.currency)), '') AS currency
FROM (${revenueSteps(`
  SELECT s.*,
         row_number() OVER (PARTITION BY s.message_id ORDER BY s.received_ms, s.event_ms) AS copy_no,
         count(*) OVER (PARTITION BY s.message_id) AS copies
  FROM (
    SELECT message_id, site_id, type, event_name, session_id AS sdk_session_id,
           CASE WHEN anonymous_id IS NOT NULL THEN anonymous_id
                WHEN user_id IS NOT NULL THEN concat('user:', user_id) END AS visitor,
           unix_millis(event_time) AS event_ms, unix_millis(received_at) AS received_ms,
           future_timestamp, original_timestamp IS NULL AS missing_timestamp, is_bot,
           page_path, page_referrer, utm_source, utm_medium, utm_campaign,
           device_type, browser_name, os_name, geo_country, geo_region,
           product_id, order_id, revenue, currency
    FROM lake
  ) s`)}) m
JOIN all_sites a ON a.site_id = m.site_id
JOIN zone_quarters q ON q.zone = a.zone
  AND q.quarter = CAST((m.event_ms - m.event_ms % 900000) / 900000 AS BIGINT)
LEFT JOIN page_paths p ON p.raw = m.page_path
WHERE m.copy_no = 1`;

/** Revenue micros of a table with a double column `revenue` (for tests of the rule). */
export const REVENUE_MICROS_SQL = (table: string) =>
  `SELECT m.revenue, ${REVENUE_MICROS} AS micros FROM (${revenueSteps(`SELECT revenue FROM ${table}`)}) m`;

/** The sites the day reports on: every configured site, and every site with an event (bots too) on the day. */
export const DAY_SITES_SQL = `
SELECT a.site_id, a.zone FROM all_sites a
WHERE a.configured = 1 OR a.site_id IN (SELECT e.site_id FROM events e WHERE e.local_date = '$date')`;

/** Each order once: its first report (smallest event_time, received_at, message_id), with that report's revenue and currency. */
export const ORDERS_SQL = `
SELECT site_id, order_id, visitor, message_id, event_ms, received_ms, local_date, hour_start, revenue_micros, currency
FROM (
  SELECT e.*, row_number() OVER (PARTITION BY e.site_id, e.order_id ORDER BY e.event_ms, e.received_ms, e.message_id) AS report_no
  FROM events e
  WHERE NOT e.is_bot AND e.type = 'track' AND e.event_name = 'Order Completed' AND e.order_id IS NOT NULL
) r
WHERE report_no = 1`;

const SESSION_GAP_MS = 1_800_000;
const SESSION_CAP_MS = 86_400_000;

/** The next session start of a chain that ran into the 24 h cap: its first event at least 24 h after the previous start. */
const cap = (name: string, from: string, prev: string, next: string) => `
${name} AS (
  SELECT c.site_id, c.visitor, c.chain, min(e.event_ms) AS ${next}
  FROM ${from} c JOIN chained e ON e.site_id = c.site_id AND e.visitor = c.visitor AND e.chain = c.chain
  WHERE e.event_ms >= c.${prev} + ${SESSION_CAP_MS}
  GROUP BY c.site_id, c.visitor, c.chain
)`;

const sameChain = (a: string, b: string) =>
  `${a}.site_id = ${b}.site_id AND ${a}.visitor = ${b}.visitor AND ${a}.chain = ${b}.chain`;

const firstOf = (column: string, rank: string) => `max(CASE WHEN ${rank} = 1 THEN ${column} END)`;

const STEP = `CASE WHEN type <> 'track' THEN 0
  WHEN event_name = 'Product Viewed' THEN 1 WHEN event_name = 'Product Added' THEN 2
  WHEN event_name = 'Checkout Started' THEN 3 WHEN event_name = 'Order Completed' THEN 4 ELSE 0 END`;

/**
 * Sessions (the definition shared with the stream, plan/contracts.md): a visitor's deduplicated,
 * non-bot events ordered by (event_time, received_at, message_id); a new session at the first
 * event, after a gap of >= 30 minutes, or at an event >= 24 h after the session's start.
 *
 * Gaps split a visitor's events into chains; the 24 h cap then cuts a chain at its first event
 * >= 24 h after the chain's start, again 24 h after that cut, and so on. The batch reads at most
 * four UTC days (< 96 h), so a chain is cut at most three times: s1, s2, s3. Built in three
 * tables (chained -> session_events -> sessions) because each is read several times: a CTE read
 * twice is computed twice on Spark (and may be on DuckDB).
 */
export const SESSION_CHAINS_SQL = `
SELECT o.*,
       sum(CASE WHEN o.prev_ms IS NULL OR o.event_ms - o.prev_ms >= ${SESSION_GAP_MS} THEN 1 ELSE 0 END)
         OVER (PARTITION BY o.site_id, o.visitor ORDER BY o.event_ms, o.received_ms, o.message_id
               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS chain
FROM (
  SELECT e.site_id, e.visitor, e.message_id, e.type, e.event_name, e.event_ms, e.received_ms,
         e.local_date, e.hour_start, e.page_path, e.page_referrer, e.utm_source, e.utm_medium, e.utm_campaign,
         e.device_type, e.browser_name, e.os_name, e.geo_country, e.geo_region, e.sdk_session_id, e.order_id,
         lag(e.event_ms) OVER (PARTITION BY e.site_id, e.visitor ORDER BY e.event_ms, e.received_ms, e.message_id) AS prev_ms
  FROM events e
  WHERE NOT e.is_bot AND e.visitor IS NOT NULL
) o`;

/** Each event with its session's start, and its rank among the session's events and page views. */
export const SESSION_EVENTS_SQL = `
WITH chains AS (
  SELECT site_id, visitor, chain, min(event_ms) AS s0, max(event_ms) AS last_ms
  FROM chained GROUP BY site_id, visitor, chain
), long_chains AS (
  SELECT * FROM chains WHERE last_ms - s0 >= ${SESSION_CAP_MS}
), ${cap('cut1', 'long_chains', 's0', 's1')}, ${cap('cut2', 'cut1', 's1', 's2')}, ${cap('cut3', 'cut2', 's2', 's3')},
starts AS (
  SELECT c.site_id, c.visitor, c.chain, c.s0, c1.s1, c2.s2, c3.s3
  FROM chains c
  LEFT JOIN cut1 c1 ON ${sameChain('c1', 'c')}
  LEFT JOIN cut2 c2 ON ${sameChain('c2', 'c')}
  LEFT JOIN cut3 c3 ON ${sameChain('c3', 'c')}
), sessioned AS (
  SELECT e.*,
         CASE WHEN s.s3 IS NOT NULL AND e.event_ms >= s.s3 THEN s.s3
              WHEN s.s2 IS NOT NULL AND e.event_ms >= s.s2 THEN s.s2
              WHEN s.s1 IS NOT NULL AND e.event_ms >= s.s1 THEN s.s1
              ELSE s.s0 END AS start_ms
  FROM chained e JOIN starts s ON ${sameChain('s', 'e')}
)
SELECT s.*,
       row_number() OVER (PARTITION BY s.site_id, s.visitor, s.start_ms
                          ORDER BY s.event_ms, s.received_ms, s.message_id) AS event_rank,
       CASE WHEN s.type = 'page' THEN row_number() OVER (
         PARTITION BY s.site_id, s.visitor, s.start_ms, CASE WHEN s.type = 'page' THEN 1 ELSE 0 END
         ORDER BY s.event_ms, s.received_ms, s.message_id) END AS page_rank,
       CASE WHEN s.type = 'page' THEN row_number() OVER (
         PARTITION BY s.site_id, s.visitor, s.start_ms, CASE WHEN s.type = 'page' THEN 1 ELSE 0 END
         ORDER BY s.event_ms DESC, s.received_ms DESC, s.message_id DESC) END AS page_rank_last
FROM sessioned s`;

/**
 * One row per session, from the ranked session events (session_events). Distinct counts are
 * taken from small distinct sets joined back, not as count(DISTINCT) in the big aggregation.
 */
export const SESSIONS_SQL = `
WITH session_orders AS (
  SELECT DISTINCT site_id, visitor, start_ms, order_id FROM session_events
  WHERE type = 'track' AND event_name = 'Order Completed' AND order_id IS NOT NULL
), session_money AS (
  SELECT so.site_id, so.visitor, so.start_ms, count(*) AS orders,
         count(DISTINCT o.currency) AS currencies,
         max(CASE WHEN o.currency IS NULL THEN 1 ELSE 0 END) AS unknown_currency,
         max(o.currency) AS currency, sum(o.revenue_micros) AS revenue_micros
  FROM session_orders so JOIN orders o ON o.site_id = so.site_id AND o.order_id = so.order_id
  GROUP BY so.site_id, so.visitor, so.start_ms
), sdk AS (
  SELECT site_id, visitor, start_ms, count(*) AS sdk_sessions
  FROM (SELECT DISTINCT site_id, visitor, start_ms, sdk_session_id FROM session_events WHERE sdk_session_id IS NOT NULL) d
  GROUP BY site_id, visitor, start_ms
), aggregated AS (
  SELECT site_id, visitor, start_ms,
         max(event_ms) AS end_ms,
         count(*) AS events,
         sum(CASE WHEN type = 'page' THEN 1 ELSE 0 END) AS page_views,
         sum(CASE WHEN type = 'track' THEN 1 ELSE 0 END) AS tracks,
         ${firstOf('local_date', 'event_rank')} AS local_date,
         ${firstOf('hour_start', 'event_rank')} AS hour_start,
         ${firstOf('page_path', 'page_rank')} AS landing_page,
         ${firstOf('page_path', 'page_rank_last')} AS exit_page,
         ${firstOf('page_referrer', 'page_rank')} AS landing_referrer,
         ${firstOf('utm_source', 'page_rank')} AS utm_source,
         ${firstOf('utm_medium', 'page_rank')} AS utm_medium,
         ${firstOf('utm_campaign', 'page_rank')} AS utm_campaign,
         ${firstOf('device_type', 'event_rank')} AS device_type,
         ${firstOf('browser_name', 'event_rank')} AS browser,
         ${firstOf('os_name', 'event_rank')} AS os,
         ${firstOf('geo_country', 'event_rank')} AS country,
         ${firstOf('geo_region', 'event_rank')} AS region,
         ${firstOf('sdk_session_id', 'event_rank')} AS sdk_session_id,
         max(${STEP}) AS funnel_step
  FROM session_events
  GROUP BY site_id, visitor, start_ms
)
SELECT substr(sha2(concat(a.site_id, chr(10), a.visitor, chr(10), CAST(a.start_ms AS STRING)), 256), 1, 32) AS session_id,
       a.site_id, a.visitor, a.start_ms, a.end_ms, a.end_ms - a.start_ms AS duration_ms,
       a.events, a.page_views, a.page_views = 1 AND a.tracks = 0 AS is_bounce,
       a.local_date, a.hour_start, a.landing_page, a.exit_page, a.landing_referrer,
       a.utm_source, a.utm_medium, a.utm_campaign, a.device_type, a.browser, a.os, a.country, a.region,
       a.sdk_session_id, coalesce(k.sdk_sessions, 0) AS sdk_sessions, a.funnel_step, coalesce(m.orders, 0) AS orders,
       CASE WHEN m.currencies = 1 AND m.unknown_currency = 0 THEN m.currency END AS currency,
       CASE WHEN m.currencies = 1 AND m.unknown_currency = 0 THEN m.revenue_micros END AS revenue_micros
FROM aggregated a
LEFT JOIN session_money m ON m.site_id = a.site_id AND m.visitor = a.visitor AND m.start_ms = a.start_ms
LEFT JOIN sdk k ON k.site_id = a.site_id AND k.visitor = a.visitor AND k.start_ms = a.start_ms`;

/**
 * A visitor's first non-bot event in a set of lake rows (every copy counts: copies of one message
 * carry nearly the same time). The visitor history is this over every day before the days read.
 */
export const FIRST_SEEN_SQL = (table: string) => `
SELECT site_id, visitor, min(event_ms) AS first_seen_ms
FROM (
  SELECT site_id,
         CASE WHEN anonymous_id IS NOT NULL THEN anonymous_id
              WHEN user_id IS NOT NULL THEN concat('user:', user_id) END AS visitor,
         unix_millis(event_time) AS event_ms
  FROM ${table}
  WHERE NOT is_bot
) v
WHERE visitor IS NOT NULL
GROUP BY site_id, visitor`;

/** Events per lake file and site (the manifest, and the sites the lake holds). */
export const LAKE_FILES_SQL = `
SELECT lake_file, site_id, count(*) AS events FROM lake GROUP BY lake_file, site_id`;

export const RAW_PAGE_PATHS_SQL = `
SELECT DISTINCT page_path FROM lake WHERE page_path IS NOT NULL`;

/** Replaces the `$date` placeholder with the day (validated YYYY-MM-DD, so no quoting issue). */
export function forDay(sql: string, date: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`invalid date ${date}`);
  return sql.replaceAll("'$date'", literal(date));
}
