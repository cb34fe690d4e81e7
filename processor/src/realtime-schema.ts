// The processor's tables and views in PostgreSQL (schema `realtime` by default). Created by the
// processor on start (`CREATE ... IF NOT EXISTS`, views replaced), so a fresh database needs no
// manual step. Every table is keyed by what its rows describe plus, for per-partition counts, the
// Kafka partition; rows are written with idempotent upserts (postgres-sink.ts), and the views add
// the partitions up. Definitions: processor/README.md.

/** Raise with every change to the DDL below: processors re-run it when the stored version differs. */
export const REALTIME_SCHEMA_VERSION = 1;

/** A safe SQL identifier for a schema name (letters, digits, underscore). */
export function schemaIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(
      `invalid PostgreSQL schema name ${JSON.stringify(name)}: use lower-case letters, digits, _`,
    );
  }
  return name;
}

export function realtimeDdl(schemaName: string): string[] {
  const s = schemaIdent(schemaName);
  return [
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    `CREATE TABLE IF NOT EXISTS ${s}.minute_metrics (
      site_id text NOT NULL,
      minute timestamptz NOT NULL,
      kafka_partition integer NOT NULL,
      events integer NOT NULL,
      page_views integer NOT NULL,
      clicks integer NOT NULL,
      visitors integer NOT NULL,
      sessions_started integer NOT NULL,
      product_viewed integer NOT NULL,
      product_added integer NOT NULL,
      checkout_started integer NOT NULL,
      bot_events integer NOT NULL,
      final boolean NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (site_id, minute, kafka_partition))`,
    `CREATE TABLE IF NOT EXISTS ${s}.page_minute (
      site_id text NOT NULL,
      minute timestamptz NOT NULL,
      kafka_partition integer NOT NULL,
      page_path text NOT NULL,
      page_views integer NOT NULL,
      PRIMARY KEY (site_id, minute, kafka_partition, page_path))`,
    `CREATE TABLE IF NOT EXISTS ${s}.hourly_active_users (
      site_id text NOT NULL,
      hour timestamptz NOT NULL,
      kafka_partition integer NOT NULL,
      active_users integer NOT NULL,
      final boolean NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (site_id, hour, kafka_partition))`,
    `CREATE TABLE IF NOT EXISTS ${s}.orders (
      site_id text NOT NULL,
      order_id text NOT NULL,
      event_time timestamptz NOT NULL,
      received_at timestamptz NOT NULL,
      message_id text NOT NULL,
      currency text,
      revenue numeric(38, 6),
      visitor text NOT NULL,
      kafka_partition integer NOT NULL,
      PRIMARY KEY (site_id, order_id))`,
    `CREATE TABLE IF NOT EXISTS ${s}.live_visitors (
      site_id text NOT NULL,
      visitor text NOT NULL,
      last_seen timestamptz NOT NULL,
      kafka_partition integer NOT NULL,
      PRIMARY KEY (site_id, visitor))`,
    `CREATE INDEX IF NOT EXISTS live_visitors_prune ON ${s}.live_visitors (kafka_partition, last_seen)`,
    `CREATE TABLE IF NOT EXISTS ${s}.sessions (
      session_id text PRIMARY KEY,
      site_id text NOT NULL,
      visitor text NOT NULL,
      session_start timestamptz NOT NULL,
      session_end timestamptz NOT NULL,
      duration_s double precision NOT NULL,
      events integer NOT NULL,
      page_views integer NOT NULL,
      landing_page text,
      exit_page text,
      landing_referrer text,
      utm_source text,
      utm_medium text,
      utm_campaign text,
      device_type text NOT NULL,
      country text,
      is_bounce boolean NOT NULL,
      funnel_step integer NOT NULL,
      orders integer NOT NULL,
      revenue numeric(38, 6),
      currency text,
      sdk_session_id text,
      sdk_session_ids integer NOT NULL,
      kafka_partition integer NOT NULL)`,
    `CREATE INDEX IF NOT EXISTS sessions_site_start ON ${s}.sessions (site_id, session_start)`,
    `CREATE TABLE IF NOT EXISTS ${s}.daily_counts (
      site_id text NOT NULL,
      day date NOT NULL,
      kafka_partition integer NOT NULL,
      late_events integer NOT NULL,
      duplicates integer NOT NULL,
      bot_events integer NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (site_id, day, kafka_partition))`,
    `CREATE TABLE IF NOT EXISTS ${s}.partition_state (
      topic text NOT NULL,
      kafka_partition integer NOT NULL,
      log_dir text NOT NULL,
      epoch bigint NOT NULL,
      owner text NOT NULL,
      claimed_at timestamptz NOT NULL DEFAULT now(),
      committed_offset bigint,
      applied_offset bigint,
      watermark timestamptz,
      max_event_time timestamptz,
      events bigint NOT NULL DEFAULT 0,
      duplicates bigint NOT NULL DEFAULT 0,
      late_events bigint NOT NULL DEFAULT 0,
      bot_events bigint NOT NULL DEFAULT 0,
      dedupe_ids bigint NOT NULL DEFAULT 0,
      dedupe_bytes bigint NOT NULL DEFAULT 0,
      open_sessions integer NOT NULL DEFAULT 0,
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (topic, kafka_partition))`,
    // The totals: every partition added up. Distinct counts add up because a visitor lives in one
    // partition (the Kafka key is the visitor).
    `CREATE OR REPLACE VIEW ${s}.minute_totals AS
      SELECT m.site_id, m.minute, sum(m.events)::bigint AS events, sum(m.page_views)::bigint AS page_views,
             sum(m.clicks)::bigint AS clicks, sum(m.visitors)::bigint AS visitors,
             sum(m.sessions_started)::bigint AS sessions_started, sum(m.product_viewed)::bigint AS product_viewed,
             sum(m.product_added)::bigint AS product_added, sum(m.checkout_started)::bigint AS checkout_started,
             coalesce(max(o.orders), 0)::bigint AS orders, sum(m.bot_events)::bigint AS bot_events,
             bool_and(m.final) AS final
      FROM ${s}.minute_metrics m
      LEFT JOIN (SELECT site_id, date_trunc('minute', event_time) AS minute, count(*) AS orders
                 FROM ${s}.orders GROUP BY 1, 2) o
        ON o.site_id = m.site_id AND o.minute = m.minute
      GROUP BY m.site_id, m.minute`,
    `CREATE OR REPLACE VIEW ${s}.minute_revenue AS
      SELECT site_id, date_trunc('minute', event_time) AS minute, currency, count(*)::bigint AS orders,
             sum(revenue) AS revenue
      FROM ${s}.orders GROUP BY 1, 2, 3`,
    `CREATE OR REPLACE VIEW ${s}.hourly_totals AS
      SELECT site_id, hour, sum(active_users)::bigint AS active_users, bool_and(final) AS final
      FROM ${s}.hourly_active_users GROUP BY 1, 2`,
    `CREATE OR REPLACE VIEW ${s}.current_visitors AS
      SELECT site_id, count(*)::bigint AS visitors
      FROM ${s}.live_visitors WHERE last_seen > now() - interval '5 minutes' GROUP BY 1`,
    `CREATE OR REPLACE VIEW ${s}.top_pages_now AS
      SELECT site_id, page_path, sum(page_views)::bigint AS page_views
      FROM ${s}.page_minute WHERE minute >= date_trunc('minute', now()) - interval '29 minutes'
      GROUP BY 1, 2`,
    `CREATE OR REPLACE VIEW ${s}.today AS
      WITH day AS (SELECT date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS start)
      SELECT m.site_id, sum(m.events)::bigint AS events, sum(m.page_views)::bigint AS page_views,
             sum(m.clicks)::bigint AS clicks,
             (SELECT count(*) FROM ${s}.live_visitors v, day WHERE v.site_id = m.site_id AND v.last_seen >= day.start)::bigint AS visitors,
             (SELECT count(*) FROM ${s}.orders o, day WHERE o.site_id = m.site_id AND o.event_time >= day.start)::bigint AS orders
      FROM ${s}.minute_metrics m, day WHERE m.minute >= day.start GROUP BY m.site_id`,
    `CREATE OR REPLACE VIEW ${s}.revenue_today AS
      SELECT site_id, currency, count(*)::bigint AS orders, sum(revenue) AS revenue
      FROM ${s}.orders WHERE event_time >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
      GROUP BY 1, 2`,
    // How often the server's sessions (event time, 30 min gap) disagree with the SDK's session_id:
    // a server session with several SDK ids (split by the SDK), or an SDK id spread over several
    // server sessions (the SDK kept a session the server ended).
    `CREATE OR REPLACE VIEW ${s}.session_agreement AS
      WITH spread AS (
        SELECT site_id, sdk_session_id, count(*) AS server_sessions
        FROM ${s}.sessions WHERE sdk_session_id IS NOT NULL GROUP BY 1, 2)
      SELECT x.site_id, (x.session_start AT TIME ZONE 'UTC')::date AS day, count(*)::bigint AS sessions,
             count(*) FILTER (WHERE x.sdk_session_ids = 0)::bigint AS without_sdk_id,
             count(*) FILTER (WHERE x.sdk_session_ids > 1)::bigint AS several_sdk_ids,
             count(*) FILTER (WHERE sp.server_sessions > 1)::bigint AS sdk_id_in_several,
             count(*) FILTER (WHERE x.sdk_session_ids = 1 AND sp.server_sessions = 1)::bigint AS agreeing
      FROM ${s}.sessions x
      LEFT JOIN spread sp ON sp.site_id = x.site_id AND sp.sdk_session_id = x.sdk_session_id
      GROUP BY 1, 2`,
  ];
}
