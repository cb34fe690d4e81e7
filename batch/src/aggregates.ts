// The daily aggregates, each one CSV for Superset. Definitions (also in batch/README.md):
//
// - Input: the day's events (dt = the date, by event time in UTC), deduplicated by message_id (the
//   first received copy wins), bots excluded (is_bot = false).
// - Visitor: anonymous_id, or 'user:' || user_id for events sent by server libraries without one.
// - page_views: per page_path, page views = count of `page` events; visitors = distinct visitors.
// - active_users_hourly: for each of the 24 UTC hours, active users = distinct visitors with at
//   least one event in that hour (0 when none); events = count of events.
// - events_by_device / events_by_country: events and distinct visitors per device type / ISO country
//   (empty country = unknown, e.g. private or loopback IPs).
// - product_views: per product_id, count of `Product Viewed` events and distinct visitors.
// - orders: per currency, orders = distinct order_id of `Order Completed` events; revenue = sum of
//   each order's revenue, counted once per order_id (first received event), rounded to cents.

export interface Aggregate {
  readonly file: string;
  readonly description: string;
  /** SELECT over the view `day` (one day, deduplicated, no bots); `$date` is the day. */
  readonly sql: string;
}

/** The view every aggregate reads: one day, one row per message_id, no bots. */
export function dayView(eventsTable: string, date: string): string {
  return `CREATE VIEW day AS
    SELECT * EXCLUDE (rn) FROM (
      SELECT *, coalesce(anonymous_id, 'user:' || user_id) AS visitor,
             row_number() OVER (PARTITION BY message_id ORDER BY received_at) AS rn
      FROM ${eventsTable}
      WHERE dt = '${date}' AND NOT is_bot
    ) WHERE rn = 1`;
}

export const AGGREGATES: readonly Aggregate[] = [
  {
    file: 'page_views.csv',
    description: 'page views and visitors per page',
    sql: `SELECT '$date' AS date, page_path, count(*) AS page_views, count(DISTINCT visitor) AS visitors
          FROM day WHERE type = 'page'
          GROUP BY page_path ORDER BY page_views DESC, page_path`,
  },
  {
    file: 'active_users_hourly.csv',
    description: 'active users and events per UTC hour',
    sql: `WITH hours AS (
            SELECT range AS h FROM range(0, 24)
          ), counts AS (
            SELECT CAST(hour AS INTEGER) AS h, count(DISTINCT visitor) AS active_users, count(*) AS events
            FROM day GROUP BY 1
          )
          SELECT '$date ' || lpad(CAST(hours.h AS VARCHAR), 2, '0') || ':00:00' AS hour,
                 coalesce(active_users, 0) AS active_users, coalesce(events, 0) AS events
          FROM hours LEFT JOIN counts USING (h) ORDER BY hours.h`,
  },
  {
    file: 'events_by_device.csv',
    description: 'events and visitors per device type',
    sql: `SELECT '$date' AS date, device_type, count(*) AS events, count(DISTINCT visitor) AS visitors
          FROM day GROUP BY device_type ORDER BY events DESC, device_type`,
  },
  {
    file: 'events_by_country.csv',
    description: 'events and visitors per country',
    sql: `SELECT '$date' AS date, geo_country AS country, count(*) AS events, count(DISTINCT visitor) AS visitors
          FROM day GROUP BY geo_country ORDER BY events DESC, country NULLS LAST`,
  },
  {
    file: 'product_views.csv',
    description: 'Product Viewed events per product',
    sql: `SELECT '$date' AS date, product_id, count(*) AS views, count(DISTINCT visitor) AS visitors
          FROM day WHERE event_name = 'Product Viewed' AND product_id IS NOT NULL
          GROUP BY product_id ORDER BY views DESC, product_id`,
  },
  {
    file: 'orders.csv',
    description: 'orders and revenue per currency',
    sql: `WITH orders AS (
            SELECT order_id, arg_min(revenue, received_at) AS revenue, arg_min(currency, received_at) AS currency
            FROM day WHERE event_name = 'Order Completed' AND order_id IS NOT NULL
            GROUP BY order_id
          )
          SELECT '$date' AS date, currency, count(*) AS orders, round(coalesce(sum(revenue), 0), 2) AS revenue
          FROM orders GROUP BY currency ORDER BY currency NULLS LAST`,
  },
];
