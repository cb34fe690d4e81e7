// A hand-made lake around 2026-11-24 and the marts it must give, value for value. Used by the
// DuckDB test, the DuckDB-vs-Spark test and the backfill test. Two sites:
//
// shop (UTC, reports in EUR; USD/EUR 0.9215):
//   a  09:00 page / (google referrer, DE Berlin) + the same message again (a duplicate delivery),
//      09:05 page /products/cup, Product Viewed cup, 09:06 Product Added, 09:07 page /cart/
//      (trailing slash), 09:08 Checkout Started, 09:10 Order Completed O1 37.5 EUR and 09:12 O1
//      again with 40 EUR (a second report: counts once, with 37.5); 10:00 page / after 48 minutes
//      (a new session, a bounce). Also seen on 11-21 (a history day: returning).
//   b  11-23 23:50 and 00:10 page /a,b"c (a session across midnight that started the day
//      before); 23:45 page /=cmd with formula-like UTM values, and 11-25 00:05 Product Viewed -5
//      (a session that started on the day and runs past midnight).
//   user:u9 (userId only, a server library: no page, device unknown): O3 5 EUR at 11-23 23:58,
//      reported again at 00:03 with 6 EUR (counts on 11-23 only); 14:00 O2 10.1 USD; 15:00 O4
//      without revenue or currency, reported again at 15:01 with 20 EUR (counts with nothing).
//   d  page /late at 12:00, received at 11-25 03:00 (late for the stream; the batch counts it).
//   e  a retry across midnight: first copy 11-23 23:59:59.900, received 23:59:59.950; second
//      copy (same message) 00:00:00.100 (counts once, on 11-23).
//   f  13:00 page / with a future client clock (time from the server), 13:01 page / without a
//      client timestamp.
//   g  16:00 page /Caf%C3%A9/, 16:01 page /Café (decomposed é): one page /Café; 16:02 Product
//      Viewed @x (FR, Île-de-France).
//   crawler: a bot, 11:00 page /.
// berlin (Europe/Berlin, reports in EUR): k 11-23 23:30Z page / and 23:40Z O9 12 USD (both
//   11-24 local), and 11-24 23:30Z page / (11-25 local).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { writeParquet } from '@clickstream/processor/write-parquet';
import { type CollectedEvent, type LakeLayout, toLakeRow } from '@clickstream/schema';
import { collectedEvents } from '@clickstream/schema/fixtures';
import { parse } from 'csv-parse/sync';
import { expect } from 'vitest';
import { OUTPUT_MARTS } from '../src/marts/index.ts';
import type { SiteSettings } from '../src/sites.ts';

export const DATE = '2026-11-24';
export const SITES: SiteSettings[] = [
  { siteId: 'shop', timeZone: 'UTC', reportingCurrency: 'EUR' },
  { siteId: 'berlin', timeZone: 'Europe/Berlin', reportingCurrency: 'EUR' },
];
export const FX_RATES = new Map([['USD/EUR', '0.9215']]);

const base = collectedEvents['order-completed'] as CollectedEvent;
const CHROME = { browser: { name: 'Chrome', version: '131.0' }, os: { name: 'Linux', version: null } };

interface Spec {
  readonly site?: string;
  readonly visitor?: string | null;
  readonly user?: string | null;
  readonly path?: string | null;
  readonly referrer?: string;
  readonly campaign?: Record<string, string>;
  readonly received?: string;
  readonly id?: string;
  readonly over?: Partial<CollectedEvent>;
}

let n = 0;
function event(
  type: 'page' | 'track',
  name: string | null,
  at: string,
  spec: Spec,
  properties = {},
): CollectedEvent {
  n += 1;
  const page =
    spec.path === null
      ? undefined
      : { path: spec.path ?? '/', ...(spec.referrer ? { referrer: spec.referrer } : {}) };
  return {
    ...base,
    ...CHROME,
    type,
    event: type === 'track' ? name : null,
    name: null,
    messageId: spec.id ?? `known-${n}`,
    anonymousId: spec.visitor === undefined ? 'a' : spec.visitor,
    userId: spec.user ?? null,
    sessionId: null,
    siteId: spec.site ?? 'shop',
    timestamp: at,
    receivedAt: spec.received ?? at,
    originalTimestamp: at,
    sentAt: at,
    context: { ...(page ? { page } : {}), ...(spec.campaign ? { campaign: spec.campaign } : {}) },
    properties,
    traits: {},
    device: { type: 'desktop', vendor: null, model: null },
    geo: { country: null, region: null, city: null },
    isBot: false,
    ...spec.over,
  };
}
const page = (at: string, spec: Spec = {}) => event('page', null, at, spec);
const track = (name: string, at: string, spec: Spec, properties: Record<string, unknown> = {}) =>
  event('track', name, at, spec, properties);

const D = (time: string) => `2026-11-24T${time}Z`;
const A: Spec = { visitor: 'a', over: { geo: { country: 'DE', region: 'Berlin', city: null } } };
const B: Spec = {
  visitor: 'b',
  over: {
    device: { type: 'mobile', vendor: 'Apple', model: 'iPhone' },
    browser: { name: 'Mobile Safari', version: '17.0' },
    os: { name: 'iOS', version: '17.0' },
  },
};
const U9: Spec = {
  visitor: null,
  user: 'u9',
  path: null,
  over: {
    device: { type: 'unknown', vendor: null, model: null },
    browser: { name: null, version: null },
    os: { name: null, version: null },
  },
};
const G: Spec = { visitor: 'g', over: { geo: { country: 'FR', region: 'Île-de-France', city: null } } };
const K: Spec = { site: 'berlin', visitor: 'k' };

export function knownEvents(): CollectedEvent[] {
  const a1 = page(D('09:00:00.000'), { ...A, referrer: 'https://www.Google.com/search?q=cups' });
  const retry = page('2026-11-23T23:59:59.900Z', { visitor: 'e', received: '2026-11-23T23:59:59.950Z' });
  return [
    page('2026-11-21T10:00:00.000Z', A),
    a1,
    { ...a1, receivedAt: D('09:00:05.000') },
    page(D('09:05:00.000'), { ...A, path: '/products/cup' }),
    track('Product Viewed', D('09:05:01.000'), { ...A, path: '/products/cup' }, { product_id: 'cup' }),
    track('Product Added', D('09:06:00.000'), { ...A, path: '/products/cup' }, { product_id: 'cup' }),
    page(D('09:07:00.000'), { ...A, path: '/cart/' }),
    track('Checkout Started', D('09:08:00.000'), { ...A, path: '/cart' }),
    track(
      'Order Completed',
      D('09:10:00.000'),
      { ...A, path: '/checkout' },
      { order_id: 'O1', revenue: 37.5, currency: 'EUR' },
    ),
    track(
      'Order Completed',
      D('09:12:00.000'),
      { ...A, path: '/checkout' },
      { order_id: 'O1', revenue: 40, currency: 'EUR' },
    ),
    page(D('10:00:00.000'), A),
    page('2026-11-23T23:50:00.000Z', { ...B, path: '/a,b"c' }),
    page(D('00:10:00.000'), { ...B, path: '/a,b"c' }),
    page(D('23:45:00.000'), {
      ...B,
      path: '/=cmd',
      campaign: { source: '@evil', medium: '+m', name: '=HYPERLINK("x")' },
    }),
    track('Product Viewed', '2026-11-25T00:05:00.000Z', { ...B, path: '/=cmd' }, { product_id: '-5' }),
    track('Order Completed', '2026-11-23T23:58:00.000Z', U9, { order_id: 'O3', revenue: 5, currency: 'EUR' }),
    track('Order Completed', D('00:03:00.000'), U9, { order_id: 'O3', revenue: 6, currency: 'EUR' }),
    track('Order Completed', D('14:00:00.000'), U9, { order_id: 'O2', revenue: 10.1, currency: 'USD' }),
    track('Order Completed', D('15:00:00.000'), U9, { order_id: 'O4' }),
    track('Order Completed', D('15:01:00.000'), U9, { order_id: 'O4', revenue: 20, currency: 'EUR' }),
    page(D('12:00:00.000'), { visitor: 'd', path: '/late', received: '2026-11-25T03:00:00.000Z' }),
    retry,
    { ...retry, timestamp: D('00:00:00.100'), receivedAt: D('00:00:01.000') },
    page(D('13:00:00.000'), { visitor: 'f', over: { futureTimestamp: true } }),
    page(D('13:01:00.000'), { visitor: 'f', over: { originalTimestamp: null } }),
    page(D('16:00:00.000'), {
      ...G,
      path: '/Caf%C3%A9/',
      referrer: 'https://news.example/x',
      campaign: { source: 'newsletter', medium: 'email', name: 'winter' },
    }),
    page(D('16:01:00.000'), { ...G, path: '/Cafe\u0301' }),
    track('Product Viewed', D('16:02:00.000'), { ...G, path: '/Café' }, { product_id: '@x' }),
    page(D('11:00:00.000'), { visitor: 'crawler', over: { isBot: true } }),
    page('2026-11-23T23:30:00.000Z', K),
    track('Order Completed', '2026-11-23T23:40:00.000Z', K, { order_id: 'O9', revenue: 12, currency: 'USD' }),
    page(D('23:30:00.000'), K),
  ];
}

/** Writes the events as the processor does: one Parquet file per hour partition. */
export async function writeKnownLake(
  hdfs: WebHdfsClient,
  lake: LakeLayout,
  events = knownEvents(),
): Promise<void> {
  const byHour = new Map<string, CollectedEvent[]>();
  for (const e of events) {
    const dir = lake.hourDir(Date.parse(e.timestamp));
    byHour.set(dir, [...(byHour.get(dir) ?? []), e]);
  }
  let i = 0;
  for (const [dir, list] of byHour)
    await hdfs.create(`${dir}/part-${i++}.parquet`, writeParquet(list.map(toLakeRow)));
}

const hours = (offset: string) =>
  Array.from({ length: 24 }, (_, h) => `${DATE} ${String(h).padStart(2, '0')}:00:00${offset}`);

/** Every mart of 2026-11-24, header first, as a strict CSV parser reads the files. */
export const EXPECTED: Record<string, string[][]> = {
  // No real-time stage in these tests: reconcile.int.test.ts fills it.
  reconciliation: [['date', 'site_id', 'metric', 'currency', 'batch', 'realtime', 'difference']],
  page_views: [
    ['date', 'site_id', 'page_path', 'page_views', 'visitors'],
    [DATE, 'berlin', '/', '1', '1'],
    [DATE, 'shop', '/', '4', '2'],
    [DATE, 'shop', '/Café', '2', '1'],
    [DATE, 'shop', '/=cmd', '1', '1'],
    [DATE, 'shop', '/a,b"c', '1', '1'],
    [DATE, 'shop', '/cart', '1', '1'],
    [DATE, 'shop', '/late', '1', '1'],
    [DATE, 'shop', '/products/cup', '1', '1'],
  ],
  events_by_device: [
    ['date', 'site_id', 'device_type', 'events', 'visitors'],
    [DATE, 'berlin', 'desktop', '2', '1'],
    [DATE, 'shop', 'desktop', '15', '4'],
    [DATE, 'shop', 'unknown', '4', '1'],
    [DATE, 'shop', 'mobile', '2', '1'],
  ],
  events_by_country: [
    ['date', 'site_id', 'country', 'events', 'visitors'],
    [DATE, 'berlin', '', '2', '1'],
    [DATE, 'shop', 'DE', '9', '1'],
    [DATE, 'shop', '', '9', '4'],
    [DATE, 'shop', 'FR', '3', '1'],
  ],
  product_views: [
    ['date', 'site_id', 'product_id', 'views', 'visitors'],
    [DATE, 'shop', "'@x", '1', '1'],
    [DATE, 'shop', 'cup', '1', '1'],
  ],
  orders: [
    ['date', 'site_id', 'currency', 'orders', 'revenue', 'average_order_value', 'revenue_per_visitor'],
    [DATE, 'berlin', 'USD', '1', '12.00', '12.00', '12.00'],
    [DATE, 'shop', 'EUR', '1', '37.50', '37.50', '6.25'],
    [DATE, 'shop', 'USD', '1', '10.10', '10.10', '1.683333'],
    [DATE, 'shop', '', '1', '0.00', '0.00', '0.00'],
  ],
  page_views_hourly: [
    ['date', 'site_id', 'hour', 'page_path', 'page_views', 'events'],
    [DATE, 'berlin', `${DATE} 00:00:00+01:00`, '/', '1', '2'],
    [DATE, 'shop', `${DATE} 00:00:00+00:00`, '/a,b"c', '1', '1'],
    [DATE, 'shop', `${DATE} 09:00:00+00:00`, '/products/cup', '1', '3'],
    [DATE, 'shop', `${DATE} 09:00:00+00:00`, '/cart', '1', '2'],
    [DATE, 'shop', `${DATE} 09:00:00+00:00`, '/', '1', '1'],
    [DATE, 'shop', `${DATE} 09:00:00+00:00`, '/checkout', '0', '2'],
    [DATE, 'shop', `${DATE} 10:00:00+00:00`, '/', '1', '1'],
    [DATE, 'shop', `${DATE} 12:00:00+00:00`, '/late', '1', '1'],
    [DATE, 'shop', `${DATE} 13:00:00+00:00`, '/', '2', '2'],
    [DATE, 'shop', `${DATE} 16:00:00+00:00`, '/Café', '2', '3'],
    [DATE, 'shop', `${DATE} 23:00:00+00:00`, '/=cmd', '1', '1'],
  ],
  sessions_daily: [
    [
      'date',
      'site_id',
      'sessions',
      'bounces',
      'bounce_rate',
      'median_duration_s',
      'mean_duration_s',
      'pages_per_session',
    ],
    [DATE, 'berlin', '1', '0', '0.0000', '600.000', '600.000', '1.0000'],
    [DATE, 'shop', '8', '2', '0.2500', '60.000', '270.000', '1.2500'],
  ],
  session_length: [
    ['date', 'site_id', 'bucket', 'bucket_order', 'sessions'],
    ...(['berlin', 'shop'] as const).flatMap((site) =>
      ['0-10 s', '10-30 s', '30-60 s', '1-3 min', '3-10 min', '10-30 min', '30-60 min', '60+ min'].map(
        (bucket, i) => {
          const counts = site === 'berlin' ? [0, 0, 0, 0, 0, 1, 0, 0] : [3, 0, 0, 3, 0, 2, 0, 0];
          return [DATE, site, bucket, String(i + 1), String(counts[i])];
        },
      ),
    ),
  ],
  landing_pages: [
    ['date', 'site_id', 'page_path', 'sessions', 'bounces', 'bounce_rate'],
    [DATE, 'berlin', '/', '1', '0', '0.0000'],
    [DATE, 'shop', '/', '3', '1', '0.3333'],
    [DATE, 'shop', '/=cmd', '1', '0', '0.0000'],
    [DATE, 'shop', '/Café', '1', '0', '0.0000'],
    [DATE, 'shop', '/late', '1', '1', '1.0000'],
  ],
  exit_pages: [
    ['date', 'site_id', 'page_path', 'sessions'],
    [DATE, 'berlin', '/', '1'],
    [DATE, 'shop', '/', '2'],
    [DATE, 'shop', '/=cmd', '1'],
    [DATE, 'shop', '/Café', '1'],
    [DATE, 'shop', '/cart', '1'],
    [DATE, 'shop', '/late', '1'],
  ],
  funnel: [
    [
      'date',
      'site_id',
      'scope',
      'step',
      'step_order',
      'visitors',
      'sessions',
      'rate_from_previous',
      'rate_from_first',
    ],
    [DATE, 'berlin', 'session', 'Visit', '0', '1', '1', '', '1.0000'],
    [DATE, 'berlin', 'session', 'Product Viewed', '1', '1', '1', '1.0000', '1.0000'],
    [DATE, 'berlin', 'session', 'Product Added', '2', '1', '1', '1.0000', '1.0000'],
    [DATE, 'berlin', 'session', 'Checkout Started', '3', '1', '1', '1.0000', '1.0000'],
    [DATE, 'berlin', 'session', 'Order Completed', '4', '1', '1', '1.0000', '1.0000'],
    [DATE, 'berlin', 'day', 'Visit', '0', '1', '', '', '1.0000'],
    [DATE, 'berlin', 'day', 'Product Viewed', '1', '1', '', '1.0000', '1.0000'],
    [DATE, 'berlin', 'day', 'Product Added', '2', '1', '', '1.0000', '1.0000'],
    [DATE, 'berlin', 'day', 'Checkout Started', '3', '1', '', '1.0000', '1.0000'],
    [DATE, 'berlin', 'day', 'Order Completed', '4', '1', '', '1.0000', '1.0000'],
    [DATE, 'shop', 'session', 'Visit', '0', '6', '8', '', '1.0000'],
    [DATE, 'shop', 'session', 'Product Viewed', '1', '4', '5', '0.6250', '0.6250'],
    [DATE, 'shop', 'session', 'Product Added', '2', '2', '3', '0.6000', '0.3750'],
    [DATE, 'shop', 'session', 'Checkout Started', '3', '2', '3', '1.0000', '0.3750'],
    [DATE, 'shop', 'session', 'Order Completed', '4', '2', '3', '1.0000', '0.3750'],
    [DATE, 'shop', 'day', 'Visit', '0', '6', '', '', '1.0000'],
    [DATE, 'shop', 'day', 'Product Viewed', '1', '3', '', '0.5000', '0.5000'],
    [DATE, 'shop', 'day', 'Product Added', '2', '2', '', '0.6667', '0.3333'],
    [DATE, 'shop', 'day', 'Checkout Started', '3', '2', '', '1.0000', '0.3333'],
    [DATE, 'shop', 'day', 'Order Completed', '4', '2', '', '1.0000', '0.3333'],
  ],
  traffic_sources: [
    [
      'date',
      'site_id',
      'referrer_domain',
      'utm_source',
      'utm_medium',
      'utm_campaign',
      'visitors',
      'sessions',
      'orders',
    ],
    [DATE, 'berlin', '', '', '', '', '1', '1', '1'],
    [DATE, 'shop', '', '', '', '', '4', '5', '2'],
    [DATE, 'shop', '', "'@evil", "'+m", `'=HYPERLINK("x")`, '1', '1', '0'],
    [DATE, 'shop', 'google.com', '', '', '', '1', '1', '1'],
    [DATE, 'shop', 'news.example', 'newsletter', 'email', 'winter', '1', '1', '0'],
  ],
  geo: [
    ['date', 'site_id', 'country', 'region', 'visitors', 'sessions'],
    [DATE, 'berlin', '', '', '1', '1'],
    [DATE, 'shop', '', '', '4', '5'],
    [DATE, 'shop', 'DE', 'Berlin', '1', '2'],
    [DATE, 'shop', 'FR', 'Île-de-France', '1', '1'],
  ],
  technology: [
    ['date', 'site_id', 'device_type', 'browser', 'os', 'visitors', 'sessions'],
    [DATE, 'berlin', 'desktop', 'Chrome', 'Linux', '1', '1'],
    [DATE, 'shop', 'desktop', 'Chrome', 'Linux', '4', '5'],
    [DATE, 'shop', 'unknown', '', '', '1', '2'],
    [DATE, 'shop', 'mobile', 'Mobile Safari', 'iOS', '1', '1'],
  ],
  new_vs_returning: [
    ['date', 'site_id', 'visitor_type', 'visitors'],
    [DATE, 'berlin', 'new', '1'],
    [DATE, 'berlin', 'returning', '0'],
    [DATE, 'shop', 'new', '3'],
    [DATE, 'shop', 'returning', '3'],
  ],
  summary: [
    [
      'date',
      'site_id',
      'time_zone',
      'visitors',
      'sessions',
      'page_views',
      'events',
      'orders',
      'revenue_by_currency',
      'reporting_currency',
      'revenue_in_reporting_currency',
      'currencies_without_rate',
      'bot_events',
      'duplicates_removed',
      'future_timestamps',
      'missing_timestamps',
    ],
    [
      DATE,
      'berlin',
      'Europe/Berlin',
      '1',
      '1',
      '1',
      '2',
      '1',
      'USD 12.00',
      'EUR',
      '11.058',
      '',
      '0',
      '0',
      '0',
      '0',
    ],
    [
      DATE,
      'shop',
      'UTC',
      '6',
      '8',
      '11',
      '21',
      '3',
      'EUR 37.50; USD 10.10; unknown 0.00',
      'EUR',
      '46.80715',
      '',
      '1',
      '1',
      '1',
      '1',
    ],
  ],
};

/** The hourly marts: every local hour of both sites, these hours non-zero. */
export const BUSY_HOURS: Record<string, Record<string, string[]>> = {
  active_users_hourly: {
    [`berlin ${DATE} 00:00:00+01:00`]: ['1', '2'],
    [`shop ${DATE} 00:00:00+00:00`]: ['2', '2'],
    [`shop ${DATE} 09:00:00+00:00`]: ['1', '8'],
    [`shop ${DATE} 10:00:00+00:00`]: ['1', '1'],
    [`shop ${DATE} 12:00:00+00:00`]: ['1', '1'],
    [`shop ${DATE} 13:00:00+00:00`]: ['1', '2'],
    [`shop ${DATE} 14:00:00+00:00`]: ['1', '1'],
    [`shop ${DATE} 15:00:00+00:00`]: ['1', '2'],
    [`shop ${DATE} 16:00:00+00:00`]: ['1', '3'],
    [`shop ${DATE} 23:00:00+00:00`]: ['1', '1'],
  },
  traffic_hourly: {
    [`berlin ${DATE} 00:00:00+01:00`]: ['2', '1', '1', '1'],
    [`shop ${DATE} 00:00:00+00:00`]: ['2', '1', '2', '0'],
    [`shop ${DATE} 09:00:00+00:00`]: ['8', '3', '1', '1'],
    [`shop ${DATE} 10:00:00+00:00`]: ['1', '1', '1', '1'],
    [`shop ${DATE} 12:00:00+00:00`]: ['1', '1', '1', '1'],
    [`shop ${DATE} 13:00:00+00:00`]: ['2', '2', '1', '1'],
    [`shop ${DATE} 14:00:00+00:00`]: ['1', '0', '1', '1'],
    [`shop ${DATE} 15:00:00+00:00`]: ['2', '0', '1', '1'],
    [`shop ${DATE} 16:00:00+00:00`]: ['3', '2', '1', '1'],
    [`shop ${DATE} 23:00:00+00:00`]: ['1', '1', '1', '1'],
  },
};
export const ALL_HOURS = [
  ...hours('+01:00').map((h) => `berlin ${h}`),
  ...hours('+00:00').map((h) => `shop ${h}`),
];

export function readCsv(path: string): string[][] {
  return parse(readFileSync(path, 'utf8'), { relax_quotes: false, relax_column_count: false, bom: false });
}

/** Checks every mart of the day against known-day.ts. */
export function expectKnownMarts(dayDir: string): void {
  for (const mart of OUTPUT_MARTS) {
    const rows = readCsv(join(dayDir, `${mart.name}.csv`));
    expect(rows[0], mart.name).toEqual(mart.columns.map((c) => c.name));
    const hourly = BUSY_HOURS[mart.name];
    if (hourly) {
      const width = rows[0]!.length - 3;
      expect(
        rows.slice(1).map((r) => `${r[1]} ${r[2]}`),
        mart.name,
      ).toEqual(ALL_HOURS);
      for (const r of rows.slice(1))
        expect(r.slice(3), `${mart.name} ${r[1]} ${r[2]}`).toEqual(
          hourly[`${r[1]} ${r[2]}`] ?? Array(width).fill('0'),
        );
    } else expect(rows, mart.name).toEqual(EXPECTED[mart.name]);
  }
}
