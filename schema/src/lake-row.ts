// One row of the lake's `events` table (Parquet on HDFS), in warehouse snake_case.
// `toLakeRow` is the only place where camelCase event fields become snake_case columns.
import type { CollectedEvent } from './collected-event.ts';
import { parseIsoMillis } from './iso-time.ts';

/**
 * Physical column types; the Parquet writer maps them (timestamps are INT64 millis, UTC; `decimal`
 * is an exact DECIMAL(18,6), carried in JavaScript as a bigint of millionths).
 */
export type LakeColumnType = 'string' | 'timestamp_ms' | 'int32' | 'double' | 'boolean' | 'decimal';

export interface LakeColumn {
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

/** The columns in file order. Partition columns `dt` and `hour` live in the path, not the file. */
export const LAKE_COLUMNS = [
  col('message_id', 'string', false, 'Client-generated unique id; the deduplication key'),
  col('site_id', 'string', false, 'Site the write key belongs to'),
  col('type', 'string', false, 'track | page | screen | identify | group | alias'),
  col(
    'event_name',
    'string',
    true,
    'track: the event name; page: "Page Viewed"; screen: "Screen Viewed"; identify, group, alias: null',
  ),
  col('page_name', 'string', true, 'page, screen: the optional page or screen name given by the client'),
  col('anonymous_id', 'string', true, 'Browser-scoped visitor id'),
  col('user_id', 'string', true, 'Known user id after identify()'),
  col('session_id', 'string', true, 'SDK session (30 min inactivity, 24 h cap)'),
  col('group_id', 'string', true, 'group: the account, company or team the user belongs to; else null'),
  col(
    'previous_id',
    'string',
    true,
    'alias: the previous id (anonymous or user id) merged into user_id; else null',
  ),
  col('event_time', 'timestamp_ms', false, 'When it happened (clock-skew corrected), UTC'),
  col('received_at', 'timestamp_ms', false, 'When the collector received it, UTC'),
  col('original_timestamp', 'timestamp_ms', true, 'Client clock at creation (uncorrected)'),
  col('sent_at', 'timestamp_ms', true, 'Client clock at send (uncorrected)'),
  col('future_timestamp', 'boolean', false, 'Client time was implausibly ahead; event_time = received_at'),
  col('page_url', 'string', true, 'Full page URL'),
  col('page_path', 'string', true, 'URL path'),
  col('page_title', 'string', true, 'Document title'),
  col('page_referrer', 'string', true, 'Referrer URL (previous route for SPA navigations)'),
  col('page_search', 'string', true, 'URL query string'),
  col('utm_source', 'string', true, 'campaign.source'),
  col('utm_medium', 'string', true, 'campaign.medium'),
  col('utm_campaign', 'string', true, 'campaign.name'),
  col('utm_term', 'string', true, 'campaign.term'),
  col('utm_content', 'string', true, 'campaign.content'),
  col('click_ids', 'string', true, 'JSON object of ad click ids (gclid, fbclid, ...)'),
  col('user_agent', 'string', true, 'Raw User-Agent header or context.userAgent'),
  col('locale', 'string', true, 'Browser locale, e.g. en-GB'),
  col('timezone', 'string', true, 'IANA time zone of the browser'),
  col('screen_width', 'int32', true, 'Screen width in CSS pixels'),
  col('screen_height', 'int32', true, 'Screen height in CSS pixels'),
  col('screen_density', 'double', true, 'devicePixelRatio'),
  col('library_name', 'string', true, 'Sending library'),
  col('library_version', 'string', true, 'Sending library version'),
  col(
    'device_type',
    'string',
    false,
    'desktop | mobile | tablet | smarttv | console | wearable | embedded | unknown',
  ),
  col('device_vendor', 'string', true, 'From the User-Agent'),
  col('device_model', 'string', true, 'From the User-Agent'),
  col('browser_name', 'string', true, 'From the User-Agent'),
  col('browser_version', 'string', true, 'From the User-Agent'),
  col('os_name', 'string', true, 'From the User-Agent'),
  col('os_version', 'string', true, 'From the User-Agent'),
  col('geo_country', 'string', true, 'ISO 3166-1 alpha-2 from the IP'),
  col('geo_region', 'string', true, 'Region from the IP'),
  col('geo_city', 'string', true, 'City from the IP'),
  col('is_bot', 'boolean', false, 'User-Agent looks like a bot or crawler'),
  col(
    'is_click',
    'boolean',
    false,
    'A click: `Element Clicked`, or a track event with the SDK autocapture fields `tag` and `selector` (data-track elements)',
  ),
  col('ip', 'string', true, 'Anonymised IP (truncated or salted hash), never raw'),
  col('product_id', 'string', true, 'properties.product_id of product events'),
  col('order_id', 'string', true, 'properties.order_id of Order Completed'),
  col(
    'revenue',
    'double',
    true,
    'properties.revenue of any event (Order Completed carries the order revenue)',
  ),
  col('currency', 'string', true, 'properties.currency (ISO 4217)'),
  col('properties', 'string', true, 'All event properties as JSON'),
  col('traits', 'string', true, "identify: the user's traits; group: the group's traits (JSON)"),
] as const;

type ColumnValue<C extends LakeColumn> =
  | (C['type'] extends 'string' ? string : C['type'] extends 'boolean' ? boolean : number)
  | (C['nullable'] extends true ? null : never);
type Column = (typeof LAKE_COLUMNS)[number];

/** A lake row: timestamps are epoch milliseconds (UTC). */
export type LakeRow = {
  [K in Column['name']]: ColumnValue<Extract<Column, { name: K }>>;
};

/** Event name stored for page views, so page and track events can be counted side by side. */
export const PAGE_VIEW_EVENT_NAME = 'Page Viewed';
/** Event name stored for app screens (not page views: metrics count `type = 'page'` only). */
export const SCREEN_VIEW_EVENT_NAME = 'Screen Viewed';

const EVENT_NAMES: Partial<Record<CollectedEvent['type'], string>> = {
  page: PAGE_VIEW_EVENT_NAME,
  screen: SCREEN_VIEW_EVENT_NAME,
};

/** Event name of the SDK's autocaptured clicks on links and buttons. */
export const CLICK_EVENT_NAME = 'Element Clicked';

/**
 * Whether a track event is a click: the SDK's autocapture sends `Element Clicked`, or the
 * element's `data-track` name, always with the properties `tag` and `selector`.
 */
export function isClick(e: Pick<CollectedEvent, 'type' | 'event' | 'properties'>): boolean {
  if (e.type !== 'track') return false;
  if (e.event === CLICK_EVENT_NAME) return true;
  return typeof e.properties.tag === 'string' && typeof e.properties.selector === 'string';
}

const ms = (iso: string) => parseIsoMillis(iso);
const msOrNull = (iso: string | null) => (iso === null ? null : parseIsoMillis(iso));
const stringOrNull = (v: unknown): string | null =>
  typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : null;
const numberOrNull = (v: unknown): number | null => {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
};
const jsonOrNull = (v: Record<string, unknown> | undefined) =>
  v === undefined || Object.keys(v).length === 0 ? null : JSON.stringify(v);

/** Maps a collected event to its lake row. The only camelCase -> snake_case mapping. */
export function toLakeRow(e: CollectedEvent): LakeRow {
  const page = e.context.page ?? {};
  const campaign = e.context.campaign ?? {};
  const p = e.properties;
  return {
    message_id: e.messageId,
    site_id: e.siteId,
    type: e.type,
    event_name: e.type === 'track' ? e.event : (EVENT_NAMES[e.type] ?? null),
    page_name: e.type === 'page' || e.type === 'screen' ? e.name : null,
    anonymous_id: e.anonymousId,
    user_id: e.userId,
    session_id: e.sessionId,
    group_id: e.groupId ?? null,
    previous_id: e.previousId ?? null,
    event_time: ms(e.timestamp),
    received_at: ms(e.receivedAt),
    original_timestamp: msOrNull(e.originalTimestamp),
    sent_at: msOrNull(e.sentAt),
    future_timestamp: e.futureTimestamp,
    page_url: page.url ?? null,
    page_path: page.path ?? null,
    page_title: page.title ?? null,
    page_referrer: page.referrer ?? null,
    page_search: page.search ?? null,
    utm_source: campaign.source ?? null,
    utm_medium: campaign.medium ?? null,
    utm_campaign: campaign.name ?? null,
    utm_term: campaign.term ?? null,
    utm_content: campaign.content ?? null,
    click_ids: jsonOrNull(e.context.clickIds),
    user_agent: e.context.userAgent ?? null,
    locale: e.context.locale ?? null,
    timezone: e.context.timezone ?? null,
    screen_width: e.context.screen?.width ?? null,
    screen_height: e.context.screen?.height ?? null,
    screen_density: e.context.screen?.density ?? null,
    library_name: e.context.library?.name ?? null,
    library_version: e.context.library?.version ?? null,
    device_type: e.device.type,
    device_vendor: e.device.vendor,
    device_model: e.device.model,
    browser_name: e.browser.name,
    browser_version: e.browser.version,
    os_name: e.os.name,
    os_version: e.os.version,
    geo_country: e.geo.country,
    geo_region: e.geo.region,
    geo_city: e.geo.city,
    is_bot: e.isBot,
    is_click: isClick(e),
    ip: e.ip,
    product_id: stringOrNull(p.product_id),
    order_id: stringOrNull(p.order_id),
    revenue: numberOrNull(p.revenue),
    currency: stringOrNull(p.currency),
    properties: jsonOrNull(p),
    traits: jsonOrNull(e.traits),
  };
}
