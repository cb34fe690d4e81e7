// Audience marts: new and returning visitors, and the day's summary (what was counted, and what
// was left out).

import { convertRevenue } from '../money.ts';
import { columns, DAY_EVENTS, DAY_SESSIONS, type FinishContext, type Mart } from './mart.ts';

export const newVsReturning: Mart = {
  name: 'new_vs_returning',
  description:
    "Visitors of the day by whether the lake saw them before the day's start (returning) or not (new).",
  columns: columns('date:date site_id:text visitor_type:text visitors:int'),
  sql: `
WITH day_visitors AS (
  SELECT DISTINCT site_id, visitor FROM (${DAY_EVENTS}) e WHERE visitor IS NOT NULL
),
seen_before AS (
  SELECT site_id, visitor FROM events WHERE local_date < '$date' AND NOT is_bot AND visitor IS NOT NULL
  UNION
  SELECT site_id, visitor FROM history
),
typed AS (
  SELECT d.site_id, CASE WHEN b.visitor IS NULL THEN 'new' ELSE 'returning' END AS visitor_type
  FROM day_visitors d LEFT JOIN seen_before b ON b.site_id = d.site_id AND b.visitor = d.visitor
),
types AS (
  SELECT site_id, 'new' AS visitor_type, 1 AS type_order FROM day_sites
  UNION ALL
  SELECT site_id, 'returning' AS visitor_type, 2 AS type_order FROM day_sites
),
counts AS (SELECT site_id, visitor_type, count(*) AS visitors FROM typed GROUP BY site_id, visitor_type)
SELECT '$date' AS date, t.site_id, t.visitor_type, coalesce(c.visitors, 0) AS visitors
FROM types t LEFT JOIN counts c ON c.site_id = t.site_id AND c.visitor_type = t.visitor_type
ORDER BY t.site_id, t.type_order`,
};

export const summary: Mart = {
  name: 'summary',
  description:
    'The day per site: visitors, sessions, page views, events, orders, revenue per currency (text) and converted into the reporting currency; what was left out (bot events, duplicate copies removed) and events whose time came from the server (future or missing client timestamps).',
  columns: columns(
    'date:date site_id:text time_zone:text visitors:int sessions:int page_views:int events:int orders:int revenue_by_currency:text reporting_currency:text revenue_in_reporting_currency:money currencies_without_rate:text bot_events:int duplicates_removed:int future_timestamps:int missing_timestamps:int',
  ),
  sql: `
WITH e AS (
  SELECT site_id,
         count(DISTINCT CASE WHEN NOT is_bot THEN visitor END) AS visitors,
         sum(CASE WHEN NOT is_bot AND type = 'page' THEN 1 ELSE 0 END) AS page_views,
         sum(CASE WHEN NOT is_bot THEN 1 ELSE 0 END) AS events,
         sum(CASE WHEN is_bot THEN 1 ELSE 0 END) AS bot_events,
         sum(duplicates) AS duplicates_removed,
         sum(CASE WHEN NOT is_bot AND future_timestamp THEN 1 ELSE 0 END) AS future_timestamps,
         sum(CASE WHEN NOT is_bot AND missing_timestamp THEN 1 ELSE 0 END) AS missing_timestamps
  FROM events WHERE local_date = '$date' GROUP BY site_id
),
s AS (SELECT site_id, count(*) AS sessions FROM (${DAY_SESSIONS}) d GROUP BY site_id),
o AS (SELECT site_id, count(*) AS orders FROM orders WHERE local_date = '$date' GROUP BY site_id)
SELECT '$date' AS date, ds.site_id, ds.zone AS time_zone,
       coalesce(e.visitors, 0) AS visitors, coalesce(s.sessions, 0) AS sessions,
       coalesce(e.page_views, 0) AS page_views, coalesce(e.events, 0) AS events,
       coalesce(o.orders, 0) AS orders,
       CAST(NULL AS STRING) AS revenue_by_currency, CAST(NULL AS STRING) AS reporting_currency,
       CAST(NULL AS DECIMAL(38,6)) AS revenue_in_reporting_currency, CAST(NULL AS STRING) AS currencies_without_rate,
       coalesce(e.bot_events, 0) AS bot_events, coalesce(e.duplicates_removed, 0) AS duplicates_removed,
       coalesce(e.future_timestamps, 0) AS future_timestamps, coalesce(e.missing_timestamps, 0) AS missing_timestamps
FROM day_sites ds
LEFT JOIN e ON e.site_id = ds.site_id
LEFT JOIN s ON s.site_id = ds.site_id
LEFT JOIN o ON o.site_id = ds.site_id
ORDER BY ds.site_id`,
  finish: fillRevenue,
};

/** The money columns of the summary, from the orders mart's rows (exact decimal arithmetic). */
function fillRevenue(rows: (string | null)[][], ctx: FinishContext): void {
  const orderRows = ctx.rowsOf('orders');
  for (const row of rows) {
    const siteId = row[1] as string;
    const perCurrency = orderRows
      .filter((o) => o[1] === siteId)
      .map((o) => ({ currency: o[2] ?? null, revenue: o[4] as string }));
    row[8] = perCurrency.length
      ? perCurrency.map((c) => `${c.currency ?? 'unknown'} ${c.revenue}`).join('; ')
      : null;
    const reporting = ctx.reportingCurrencyOf(siteId);
    row[9] = reporting;
    if (reporting === null) continue;
    const converted = convertRevenue(perCurrency, reporting, ctx.fxRates);
    row[10] = converted.total;
    row[11] = converted.missing.length ? converted.missing.join('; ') : null;
  }
}
