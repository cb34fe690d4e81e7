// Commerce marts: orders and revenue per currency (never summed across currencies), and the
// conversion funnel.
import { money, ratio, roundDivSigned } from '../sql.ts';
import { columns, DAY_EVENTS, DAY_SESSIONS, type Mart } from './mart.ts';

export const orders: Mart = {
  name: 'orders',
  description:
    "Orders counted once, on the day of their first report, with that report's revenue and currency; revenue (exact), average order value and revenue per visitor of the day, per currency.",
  columns: columns(
    'date:date site_id:text currency:text orders:int revenue:money average_order_value:money revenue_per_visitor:money',
  ),
  sql: `
WITH o AS (
  SELECT site_id, currency, count(*) AS orders, coalesce(sum(revenue_micros), 0) AS revenue_micros
  FROM orders WHERE local_date = '$date' GROUP BY site_id, currency
),
v AS (
  SELECT site_id, count(DISTINCT visitor) AS visitors FROM (${DAY_EVENTS}) e GROUP BY site_id
)
SELECT '$date' AS date, o.site_id, o.currency, o.orders, ${money('o.revenue_micros')} AS revenue,
       ${money(roundDivSigned('o.revenue_micros', 'o.orders'))} AS average_order_value,
       CASE WHEN v.visitors > 0 THEN ${money(roundDivSigned('o.revenue_micros', 'v.visitors'))} END AS revenue_per_visitor
FROM o LEFT JOIN v ON v.site_id = o.site_id
ORDER BY o.site_id, o.currency NULLS LAST`,
};

/** The funnel: step 0 is every session (visitor) of the day, then the e-commerce steps in order. */
export const FUNNEL_STEPS = [
  'Visit',
  'Product Viewed',
  'Product Added',
  'Checkout Started',
  'Order Completed',
];

const STEP = `CASE WHEN type <> 'track' THEN 0
  WHEN event_name = 'Product Viewed' THEN 1 WHEN event_name = 'Product Added' THEN 2
  WHEN event_name = 'Checkout Started' THEN 3 WHEN event_name = 'Order Completed' THEN 4 ELSE 0 END`;

const reached = (column: string) =>
  FUNNEL_STEPS.map((_, k) => `sum(CASE WHEN ${column} >= ${k} THEN 1 ELSE 0 END) AS r${k}`).join(', ');
const pick = (table: string) =>
  `CASE f.step_order ${FUNNEL_STEPS.map((_, k) => `WHEN ${k} THEN ${table}.r${k}`).join(' ')} END`;

export const funnel: Mart = {
  name: 'funnel',
  description:
    "Conversion funnel Visit -> Product Viewed -> Product Added -> Checkout Started -> Order Completed. scope 'session': sessions (and their distinct visitors) whose furthest step reached is at least the step; rates from sessions. scope 'day': visitors whose furthest step over the day's events is at least the step; rates from visitors.",
  columns: columns(
    'date:date site_id:text scope:text step:text step_order:int visitors:int sessions:int rate_from_previous:decimal4 rate_from_first:decimal4',
  ),
  sql: `
WITH by_session AS (
  SELECT site_id, ${reached('funnel_step')} FROM (${DAY_SESSIONS}) s GROUP BY site_id
),
visitor_tops AS (
  SELECT site_id, visitor, max(funnel_step) AS top FROM (${DAY_SESSIONS}) s GROUP BY site_id, visitor
),
by_session_visitor AS (
  SELECT site_id, ${reached('top')} FROM visitor_tops GROUP BY site_id
),
day_tops AS (
  SELECT site_id, visitor, max(${STEP}) AS top FROM (${DAY_EVENTS}) e
  WHERE visitor IS NOT NULL GROUP BY site_id, visitor
),
by_day AS (
  SELECT site_id, ${reached('top')} FROM day_tops GROUP BY site_id
),
steps AS (
  SELECT ds.site_id, 'session' AS scope, f.step, f.step_order,
         coalesce(${pick('sv')}, 0) AS visitors, coalesce(${pick('ss')}, 0) AS sessions,
         coalesce(${pick('ss')}, 0) AS units
  FROM day_sites ds CROSS JOIN funnel_steps f
  LEFT JOIN by_session ss ON ss.site_id = ds.site_id
  LEFT JOIN by_session_visitor sv ON sv.site_id = ds.site_id
  UNION ALL
  SELECT ds.site_id, 'day' AS scope, f.step, f.step_order,
         coalesce(${pick('dd')}, 0) AS visitors, CAST(NULL AS BIGINT) AS sessions,
         coalesce(${pick('dd')}, 0) AS units
  FROM day_sites ds CROSS JOIN funnel_steps f
  LEFT JOIN by_day dd ON dd.site_id = ds.site_id
),
framed AS (
  SELECT s.*,
         lag(units) OVER (PARTITION BY site_id, scope ORDER BY step_order) AS previous_units,
         max(CASE WHEN step_order = 0 THEN units END) OVER (PARTITION BY site_id, scope) AS first_units
  FROM steps s
)
SELECT '$date' AS date, site_id, scope, step, step_order, visitors, sessions,
       ${ratio('units', 'previous_units')} AS rate_from_previous,
       ${ratio('units', 'first_units')} AS rate_from_first
FROM framed
ORDER BY site_id, scope DESC, step_order`,
};
