// One row of the lake's `sessions` table and of PostgreSQL's `realtime.sessions`: a closed
// session, computed by the processor from event time. The daily batch computes the same columns
// with the same definition (processor/README.md, "Sessions").
import { createHash } from 'node:crypto';
import type { LakeColumnType } from './lake-row.ts';

export interface SessionColumn {
  readonly name: string;
  readonly type: LakeColumnType;
  readonly nullable: boolean;
  readonly description: string;
}

const col = <const N extends string, const T extends LakeColumnType, const B extends boolean>(
  name: N,
  type: T,
  nullable: B,
  description: string,
): { name: N; type: T; nullable: B; description: string } => ({ name, type, nullable, description });

/** Gap of inactivity that ends a session (an event this much after the previous starts a new one). */
export const SESSION_GAP_MS = 30 * 60_000;
/** Longest session: an event this much after the session's start starts a new one. */
export const SESSION_CAP_MS = 24 * 3_600_000;

/** The furthest step of the shop funnel a session reached, in funnel order. */
export const FUNNEL_STEPS = [
  'Product Viewed',
  'Product Added',
  'Checkout Started',
  'Order Completed',
] as const;

/** The columns in file order. The partition column `dt` (UTC day of the start) lives in the path. */
export const SESSION_COLUMNS = [
  col('session_id', 'string', false, 'sha256 of site, visitor and start (ms), first 32 hex digits'),
  col('site_id', 'string', false, 'Site the events belong to'),
  col('visitor', 'string', false, "anonymous_id, or 'user:' || user_id"),
  col('session_start', 'timestamp_ms', false, 'Event time of the first event, UTC'),
  col('session_end', 'timestamp_ms', false, 'Event time of the last event, UTC'),
  col('duration_s', 'double', false, 'session_end - session_start in seconds (0 for one event)'),
  col('events', 'int32', false, 'Events of every type in the session'),
  col('page_views', 'int32', false, '`page` events'),
  col('landing_page', 'string', true, 'page_path of the first page view'),
  col('exit_page', 'string', true, 'page_path of the last page view'),
  col('landing_referrer', 'string', true, 'page_referrer of the first page view'),
  col('utm_source', 'string', true, 'utm_source of the first page view'),
  col('utm_medium', 'string', true, 'utm_medium of the first page view'),
  col('utm_campaign', 'string', true, 'utm_campaign of the first page view'),
  col('device_type', 'string', false, 'device_type of the first event'),
  col('country', 'string', true, 'geo_country of the first event'),
  col('is_bounce', 'boolean', false, 'Exactly one page view and no track event'),
  col(
    'funnel_step',
    'int32',
    false,
    '0 none, 1 Product Viewed, 2 Product Added, 3 Checkout Started, 4 Order Completed',
  ),
  col('orders', 'int32', false, 'Distinct order_id of Order Completed events'),
  col(
    'revenue',
    'decimal',
    true,
    "Sum of the orders' first-report revenue; NULL when none or mixed currencies",
  ),
  col('currency', 'string', true, "The orders' currency; NULL when none or mixed"),
  col('sdk_session_id', 'string', true, "session_id (the SDK's own) of the first event"),
  col('sdk_session_ids', 'int32', false, 'Distinct non-null SDK session ids among the events'),
  col('kafka_partition', 'int32', false, 'Kafka partition the visitor lives in'),
] as const;

type Column = (typeof SESSION_COLUMNS)[number];
type ColumnValue<C extends SessionColumn> =
  | (C['type'] extends 'string'
      ? string
      : C['type'] extends 'boolean'
        ? boolean
        : C['type'] extends 'decimal'
          ? bigint
          : number)
  | (C['nullable'] extends true ? null : never);

/** A session row: timestamps are epoch milliseconds (UTC); `revenue` is in millionths (bigint). */
export type SessionRow = {
  [K in Column['name']]: ColumnValue<Extract<Column, { name: K }>>;
};

/**
 * The deterministic session id: the same visitor's session starting at the same instant has the
 * same id in the stream, after a replay, and in the batch (SQL: `substr(sha256(site_id || chr(10)
 * || visitor || chr(10) || CAST(start_ms AS VARCHAR)), 1, 32)`).
 */
export function sessionIdOf(siteId: string, visitor: string, startMs: number): string {
  return createHash('sha256').update(`${siteId}\n${visitor}\n${startMs}`).digest('hex').slice(0, 32);
}
