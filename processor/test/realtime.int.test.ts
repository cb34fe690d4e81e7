// Known traffic through the real processor (real Kafka, HDFS, PostgreSQL), checked against a
// hand-written expectation: minute metrics, hourly active users, sessions (PostgreSQL and the
// sessions Parquet table), orders, and what was left out (duplicates, late events, bots).
import { queryLake } from '@clickstream/batch';
import { createPool } from '@clickstream/infra/postgres';
import type { Service } from '@clickstream/infra/services';
import { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { type CollectedEvent, lakeLayout } from '@clickstream/schema';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  collected,
  createTopics,
  processorSetup,
  produceEvents,
  startProcessor,
  testProducer,
  waitFor,
} from './helpers.ts';

const infra = inject('infra');
const hdfs = new WebHdfsClient({ url: infra.webhdfsUrl, user: infra.hdfsUser });
const pool = createPool(infra.postgresUrl);
const { kafka, producer } = testProducer(infra);

const at = (hhmmss: string, day = '2026-11-24') => `${day}T${hhmmss}.000Z`;

/** One event of the known traffic: site `shop`, received 200 ms after it happened. */
function ev(
  time: string,
  who: { anonymousId?: string | null; userId?: string | null },
  what: Partial<CollectedEvent>,
): CollectedEvent {
  const t = Date.parse(time);
  return collected({
    siteId: 'shop',
    anonymousId: who.anonymousId ?? null,
    userId: who.userId ?? null,
    sessionId: who.anonymousId ? `sdk-${who.anonymousId}` : null,
    timestamp: new Date(t).toISOString(),
    receivedAt: new Date(t + 200).toISOString(),
    type: 'page',
    event: null,
    properties: {},
    isBot: false,
    ...what,
  });
}
const page = (path: string, extra: Partial<CollectedEvent> = {}): Partial<CollectedEvent> => ({
  type: 'page',
  event: null,
  context: { page: { path, url: `https://shop.example${path}`, referrer: 'https://search.example/?q=cups' } },
  ...extra,
});
const track = (event: string, properties: Record<string, unknown> = {}): Partial<CollectedEvent> => ({
  type: 'track',
  event,
  properties,
  context: { page: { path: '/somewhere' } },
});

const A = { anonymousId: 'anon-a' };
const B = { anonymousId: 'anon-b' };
const C = { userId: 'u-7' }; // a shop backend: userId only
const BOT = { anonymousId: 'crawler-1' };

const aboutB = ev(at('22:32:00'), B, page('/about'));
/** Produced in this order; A's 23:45 page view comes after A reached 00:06 the next day: late. */
const traffic: CollectedEvent[] = [
  ev(at('22:00:00'), B, page('/')),
  ev(at('22:01:00'), B, track('Element Clicked', { tag: 'a', text: 'About', selector: 'a.about' })),
  ev(at('22:05:00'), BOT, { ...page('/'), isBot: true }),
  ev(at('22:06:00'), BOT, { ...page('/robots.txt'), isBot: true }),
  ev(at('22:10:00'), C, track('Order Completed', { order_id: 'o2', revenue: 12.5, currency: 'USD' })),
  ev(at('22:12:00'), C, track('Order Completed', { order_id: 'o2', revenue: 99, currency: 'USD' })),
  aboutB,
  // A client retry: the same messageId again, received 5 s later.
  { ...aboutB, receivedAt: at('22:32:05') },
  ev(
    at('23:50:00'),
    A,
    page('/', {
      context: {
        page: { path: '/', referrer: 'https://news.example/article' },
        campaign: { source: 'news', medium: 'referral', name: 'winter' },
      },
    }),
  ),
  ev(at('23:55:00'), A, track('Product Viewed', { product_id: 'p1' })),
  ev(at('00:05:00', '2026-11-25'), A, page('/cart')),
  ev(
    at('00:06:00', '2026-11-25'),
    A,
    track('Order Completed', { order_id: 'o1', revenue: 30, currency: 'EUR' }),
  ),
  ev(at('23:45:00'), A, page('/late')),
];

describe('real-time stage on known traffic', () => {
  const running: Service[] = [];
  beforeAll(() => producer.connect());
  afterAll(async () => {
    for (const p of running) await p.kill();
    await producer.disconnect();
    await pool.end();
  });

  it('computes exact minute metrics, hourly users, sessions and orders', { timeout: 120_000 }, async () => {
    const { topics, lake, schema, env } = processorSetup(infra);
    await createTopics(kafka, topics);
    const processor = startProcessor(env);
    running.push(processor);
    await produceEvents(producer, topics.events, traffic);

    // The partitions go idle, their watermarks follow the clock, and every window and session closes.
    const q = (sql: string) => pool.query(sql).then((r) => r.rows as Record<string, unknown>[]);
    await waitFor(
      'four closed sessions',
      () => q(`SELECT count(*)::int AS n FROM ${schema}.sessions`).catch(() => [{ n: 0 }]),
      (rows) => rows[0]?.n === 4,
    );
    await waitFor(
      'every minute final',
      () => q(`SELECT count(*)::int AS n FROM ${schema}.minute_totals WHERE NOT final`),
      (rows) => rows[0]?.n === 0,
    );

    const minutes = await q(
      `SELECT to_char(minute AT TIME ZONE 'UTC', 'MM-DD HH24:MI') AS m, events, page_views, clicks, visitors,
              sessions_started, product_viewed, product_added, checkout_started, orders, bot_events
       FROM ${schema}.minute_totals WHERE site_id = 'shop' ORDER BY minute`,
    );
    const row = (m: string, values: Partial<Record<string, number>>) => ({
      m,
      events: '0',
      page_views: '0',
      clicks: '0',
      visitors: '0',
      sessions_started: '0',
      product_viewed: '0',
      product_added: '0',
      checkout_started: '0',
      orders: '0',
      bot_events: '0',
      ...Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)])),
    });
    expect(minutes).toEqual([
      row('11-24 22:00', { events: 1, page_views: 1, visitors: 1, sessions_started: 1 }),
      row('11-24 22:01', { events: 1, clicks: 1, visitors: 1 }),
      row('11-24 22:05', { bot_events: 1 }),
      row('11-24 22:06', { bot_events: 1 }),
      row('11-24 22:10', { events: 1, visitors: 1, sessions_started: 1, orders: 1 }),
      row('11-24 22:12', { events: 1, visitors: 1 }),
      row('11-24 22:32', { events: 1, page_views: 1, visitors: 1, sessions_started: 1 }),
      row('11-24 23:50', { events: 1, page_views: 1, visitors: 1, sessions_started: 1 }),
      row('11-24 23:55', { events: 1, visitors: 1, product_viewed: 1 }),
      row('11-25 00:05', { events: 1, page_views: 1, visitors: 1 }),
      row('11-25 00:06', { events: 1, visitors: 1, orders: 1 }),
    ]);

    expect(
      await q(
        `SELECT to_char(hour AT TIME ZONE 'UTC', 'MM-DD HH24') AS h, active_users::int AS users, final
         FROM ${schema}.hourly_totals WHERE site_id = 'shop' ORDER BY hour`,
      ),
    ).toEqual([
      { h: '11-24 22', users: 2, final: true }, // B and user:u-7; the bot is not a user
      { h: '11-24 23', users: 1, final: true },
      { h: '11-25 00', users: 1, final: true },
    ]);

    // Each order once, with its first report's revenue and currency.
    expect(
      await q(
        `SELECT order_id, visitor, currency, revenue::text, to_char(event_time AT TIME ZONE 'UTC', 'HH24:MI') AS t
         FROM ${schema}.orders ORDER BY order_id`,
      ),
    ).toEqual([
      { order_id: 'o1', visitor: 'anon-a', currency: 'EUR', revenue: '30.000000', t: '00:06' },
      { order_id: 'o2', visitor: 'user:u-7', currency: 'USD', revenue: '12.500000', t: '22:10' },
    ]);

    const sessions = await q(
      `SELECT visitor, to_char(session_start AT TIME ZONE 'UTC', 'MM-DD HH24:MI') AS start,
              to_char(session_end AT TIME ZONE 'UTC', 'MM-DD HH24:MI') AS end, duration_s, events, page_views,
              landing_page, exit_page, landing_referrer, utm_source, utm_medium, utm_campaign, device_type, country,
              is_bounce, funnel_step, orders, revenue::text, currency, sdk_session_id, sdk_session_ids
       FROM ${schema}.sessions ORDER BY session_start`,
    );
    const s = (over: Record<string, unknown>) => ({
      landing_page: null,
      exit_page: null,
      landing_referrer: null,
      utm_source: null,
      utm_medium: null,
      utm_campaign: null,
      device_type: 'mobile',
      country: 'DE',
      is_bounce: false,
      funnel_step: 0,
      orders: 0,
      revenue: null,
      currency: null,
      sdk_session_ids: 1,
      ...over,
    });
    expect(sessions).toEqual([
      s({
        visitor: 'anon-b',
        start: '11-24 22:00',
        end: '11-24 22:01',
        duration_s: 60,
        events: 2,
        page_views: 1,
        landing_page: '/',
        exit_page: '/',
        landing_referrer: 'https://search.example/?q=cups',
        sdk_session_id: 'sdk-anon-b',
      }),
      s({
        visitor: 'user:u-7',
        start: '11-24 22:10',
        end: '11-24 22:12',
        duration_s: 120,
        events: 2,
        page_views: 0,
        funnel_step: 4,
        orders: 1,
        revenue: '12.500000',
        currency: 'USD',
        sdk_session_id: null,
        sdk_session_ids: 0,
      }),
      // 31 minutes after the click: a new session, a bounce.
      s({
        visitor: 'anon-b',
        start: '11-24 22:32',
        end: '11-24 22:32',
        duration_s: 0,
        events: 1,
        page_views: 1,
        landing_page: '/about',
        exit_page: '/about',
        landing_referrer: 'https://search.example/?q=cups',
        is_bounce: true,
        sdk_session_id: 'sdk-anon-b',
      }),
      // Across midnight: one session, on the day it started; the late 23:45 view is not in it.
      s({
        visitor: 'anon-a',
        start: '11-24 23:50',
        end: '11-25 00:06',
        duration_s: 960,
        events: 4,
        page_views: 2,
        landing_page: '/',
        exit_page: '/cart',
        landing_referrer: 'https://news.example/article',
        utm_source: 'news',
        utm_medium: 'referral',
        utm_campaign: 'winter',
        funnel_step: 4,
        orders: 1,
        revenue: '30.000000',
        currency: 'EUR',
        sdk_session_id: 'sdk-anon-a',
      }),
    ]);

    expect(
      await q(
        `SELECT day::text, sum(late_events)::int AS late, sum(duplicates)::int AS duplicates, sum(bot_events)::int AS bots
         FROM ${schema}.daily_counts GROUP BY day ORDER BY day`,
      ),
    ).toEqual([{ day: '2026-11-24', late: 1, duplicates: 1, bots: 2 }]);

    // The same sessions in the lake's sessions table, by the day they started; the events table
    // holds every event once (the retry dropped), bots and the late view included.
    const lakeSessions = await waitFor(
      'sessions in the lake',
      () =>
        queryLake(
          hdfs,
          lakeLayout(env.LAKE_ROOT).sessionsDir,
          'SELECT dt, visitor, events, revenue FROM events ORDER BY session_start',
        ),
      (rows) => rows.length === 4,
    );
    expect(lakeSessions).toEqual([
      { dt: '2026-11-24', visitor: 'anon-b', events: 2, revenue: null },
      { dt: '2026-11-24', visitor: 'user:u-7', events: 2, revenue: '12.500000' },
      { dt: '2026-11-24', visitor: 'anon-b', events: 1, revenue: null },
      { dt: '2026-11-24', visitor: 'anon-a', events: 4, revenue: '30.000000' },
    ]);
    const [events] = await queryLake(
      hdfs,
      lake.eventsDir,
      'SELECT count(*) AS n, count(DISTINCT message_id) AS ids, count(*) FILTER (WHERE is_bot) AS bots FROM events',
    );
    expect(events).toEqual({ n: '12', ids: '12', bots: '2' });
    await processor.stop();
  });
});
