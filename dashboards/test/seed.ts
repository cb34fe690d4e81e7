// Known data for the dashboards' tests, written straight into PostgreSQL: the processor's
// `realtime` tables (its own DDL, realtimeDdl) with minutes of the last hour, and the batch's
// `daily` marts for three days ending yesterday, in tables made by the batch's own DDL (tableDdl).
// Seeding runs once per database (an advisory lock and a marker row),
// so every test file of a run sees the same rows.
import { DAILY_SCHEMA, MARTS, tableDdl } from '@clickstream/batch';
import { realtimeDdl } from '@clickstream/processor';
import type { Pool, PoolClient } from 'pg';
import * as tables from '../src/tables.ts';

export const SITES = ['shop', 'blog'] as const;
const DAY_MS = 86_400_000;

/** The three seeded days (YYYY-MM-DD, oldest first); the last one is yesterday (UTC). */
export function seededDays(now = Date.now()): string[] {
  const yesterday = Math.floor(now / DAY_MS) * DAY_MS - DAY_MS;
  return [2, 1, 0].map((k) => new Date(yesterday - k * DAY_MS).toISOString().slice(0, 10));
}

/** The daily tables the dashboards read. */
const DAILY_TABLES = new Set(
  Object.values(tables).flatMap((d) => (typeof d === 'object' && d.schema === DAILY_SCHEMA ? [d.table] : [])),
);

/** The batch's own DDL for the marts the dashboards read (so a real batch run fills the same tables). */
const DAILY_DDL = [
  `CREATE SCHEMA IF NOT EXISTS ${DAILY_SCHEMA}`,
  ...MARTS.filter((m) => DAILY_TABLES.has(m.name)).flatMap(tableDdl),
];

type Row = (string | number | boolean | null)[];

async function insert(c: PoolClient, table: string, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  const width = rows[0]!.length;
  const values = rows.map(
    (_, i) => `(${Array.from({ length: width }, (_, j) => `$${i * width + j + 1}`).join(', ')})`,
  );
  await c.query(`INSERT INTO ${table} VALUES ${values.join(', ')}`, rows.flat());
}

/** Small deterministic numbers that differ per day, site and item, so no two charts look alike. */
const n = (...parts: number[]) => parts.reduce((acc, p) => (acc * 31 + p * 17 + 7) % 97, 11) + 1;

function dailyRows(days: string[]): Record<string, Row[]> {
  const t: Record<string, Row[]> = {};
  const add = (table: string, row: Row) => {
    t[table] ??= [];
    t[table].push(row);
  };
  const pages = ['/', '/products', '/products/p1', '/products/p2', '/cart', '/checkout'];
  const buckets = [
    '0-10 s',
    '10-30 s',
    '30-60 s',
    '1-3 min',
    '3-10 min',
    '10-30 min',
    '30-60 min',
    '60+ min',
  ];
  const countries: [string | null, string | null][] = [
    ['DE', 'Berlin'],
    ['US', 'California'],
    ['FR', 'Ile-de-France'],
    ['BR', 'Sao Paulo'],
    ['JP', 'Tokyo'],
    [null, null],
  ];
  const steps = ['Visit', 'Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed'];
  days.forEach((date, d) => {
    SITES.forEach((site, s) => {
      const base = Date.parse(`${date}T00:00:00Z`);
      for (let h = 0; h < 24; h++) {
        add('daily.active_users_hourly', [
          date,
          site,
          new Date(base + h * 3_600_000).toISOString(),
          n(d, s, h),
          3 * n(d, s, h) + h,
        ]);
      }
      pages.forEach((page, p) => {
        add('daily.page_views', [date, site, page, 10 * n(d, s, p), n(d, s, p)]);
        if (p < 3)
          add('daily.landing_pages', [
            date,
            site,
            page,
            2 * n(d, s, p),
            n(d, s, p),
            (n(d, s, p) / (2 * n(d, s, p))).toFixed(4),
          ]);
      });
      for (let p = 1; p <= 4; p++)
        add('daily.product_views', [date, site, `p${p}`, 5 * n(d, s, p, 1), n(d, s, p, 1)]);
      const sessions = 40 + n(d, s);
      const bounces = n(d, s, 9) % sessions;
      add('daily.sessions_daily', [
        date,
        site,
        sessions,
        bounces,
        (bounces / sessions).toFixed(4),
        (30 + n(d, s, 3)).toFixed(3),
        (55.5 + n(d, s, 4)).toFixed(3),
        (2 + n(d, s) / 50).toFixed(4),
      ]);
      for (const [b, bucket] of buckets.entries()) {
        add('daily.session_length', [date, site, bucket, b + 1, n(d, s, b, 2)]);
      }
      for (const [c, [country, region]] of countries.entries()) {
        add('daily.geo', [date, site, country, region, n(d, s, c, 3), 2 * n(d, s, c, 3)]);
      }
      const tech: [string, string, string][] = [
        ['desktop', 'Chrome', 'Windows'],
        ['desktop', 'Firefox', 'Linux'],
        ['mobile', 'Mobile Safari', 'iOS'],
        ['mobile', 'Chrome', 'Android'],
        ['tablet', 'Mobile Safari', 'iOS'],
      ];
      for (const [k, [device, browser, os]] of tech.entries()) {
        add('daily.technology', [date, site, device, browser, os, n(d, s, k, 4), 2 * n(d, s, k, 4)]);
      }
      for (const scope of ['day', 'session']) {
        let previous = 0;
        let first = 0;
        steps.forEach((step, k) => {
          const visitors = Math.max(1, 100 - 20 * k - (n(d, s, k, 5) % 15));
          if (k === 0) first = visitors;
          add('daily.funnel', [
            date,
            site,
            scope,
            step,
            k,
            visitors,
            visitors + 3,
            k === 0 ? null : (visitors / previous).toFixed(4),
            (visitors / first).toFixed(4),
          ]);
          previous = visitors;
        });
      }
      for (const [currency, c] of [
        ['EUR', 0],
        ['USD', 1],
      ] as const) {
        const orders = (n(d, s, c, 6) % 9) + 1;
        const revenue = orders * 42.5 + c;
        add('daily.orders', [
          date,
          site,
          currency,
          orders,
          revenue.toFixed(6),
          (revenue / orders).toFixed(6),
          (revenue / 100).toFixed(6),
        ]);
      }
      const sources: [string | null, string | null, string | null, string | null][] = [
        [null, null, null, null],
        ['google.com', null, null, null],
        ['news.example', 'newsletter', 'email', 'winter-sale'],
        [null, 'partner', 'cpc', 'launch'],
      ];
      for (const [k, src] of sources.entries()) {
        add('daily.traffic_sources', [
          date,
          site,
          ...src,
          n(d, s, k, 7),
          2 * n(d, s, k, 7),
          n(d, s, k, 7) % 4,
        ]);
      }
      add('daily.new_vs_returning', [date, site, 'new', n(d, s, 8)]);
      add('daily.new_vs_returning', [date, site, 'returning', n(d, s, 9)]);
      add('daily.summary', [
        date,
        site,
        'UTC',
        60 + n(d, s),
        sessions,
        200 + 10 * n(d, s),
        500 + n(d, s, 1),
        4 + (n(d, s) % 5),
        null,
        null,
        null,
        null,
        n(d, s, 2) % 7,
        n(d, s, 3) % 4,
        0,
        0,
      ]);
    });
  });
  return t;
}

/**
 * Rows for the processor's tables: minutes now-50 .. now-5 and the current minute, orders, page
 * views, visitors. Whatever the time of day, "today" (UTC) has rows: the current minute, one order
 * per site in it, and visitors seen no earlier than midnight.
 */
function realtimeRows(now: number): Record<string, Row[]> {
  const minute = (k: number) => new Date(Math.floor(now / 60_000) * 60_000 - k * 60_000).toISOString();
  const midnight = Math.floor(now / DAY_MS) * DAY_MS;
  const t: Record<string, Row[]> = { minute_metrics: [], page_minute: [], orders: [], live_visitors: [] };
  SITES.forEach((site, s) => {
    for (const k of [0, ...Array.from({ length: 46 }, (_, i) => i + 5)]) {
      for (const partition of [0, 1]) {
        const e = n(k, s, partition);
        // site, minute, partition, events, page_views, clicks, visitors, sessions_started,
        // product_viewed, product_added, checkout_started, bot_events, final
        t.minute_metrics!.push([
          site,
          minute(k),
          partition,
          e,
          Math.ceil(e / 3),
          Math.ceil(e / 2),
          Math.ceil(e / 5),
          1,
          1,
          0,
          0,
          k % 3,
          k > 6,
        ]);
      }
    }
    ['/', '/products', '/products/p1', '/cart'].forEach((page, p) => {
      for (const k of [6, 12, 25]) t.page_minute!.push([site, minute(k), p % 2, page, (n(k, s, p) % 9) + 1]);
    });
    for (let o = 0; o < 3 + s; o++) {
      // The first order is in the current minute, the others 15, 22, ... minutes ago.
      const at = minute(o === 0 ? 0 : 8 + 7 * o);
      t.orders!.push([
        site,
        `${site}-order-${o}`,
        at,
        at,
        `msg-${site}-${o}`,
        o % 2 === 0 ? 'EUR' : 'USD',
        (19.99 * (o + 1)).toFixed(6),
        `v${o}`,
        0,
      ]);
    }
    for (let v = 0; v < 6 + 2 * s; v++) {
      // Most seen a minute ago (current visitors), some 20 minutes ago (visitors today only).
      const seen = new Date(Math.max(midnight, now - (v % 3 === 0 ? 20 : 1) * 60_000)).toISOString();
      t.live_visitors!.push([site, `visitor-${v}`, seen, v % 2]);
    }
  });
  return t;
}

/** Creates the tables and writes the known rows, once per database. Returns the seeded days. */
export async function seedOnce(pool: Pool, now = Date.now()): Promise<string[]> {
  const days = seededDays(now);
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query('SELECT pg_advisory_xact_lock(4242001)');
    await c.query('CREATE TABLE IF NOT EXISTS public.dashboards_seeded (days text NOT NULL)');
    const done = await c.query('SELECT days FROM public.dashboards_seeded');
    if (done.rowCount === 0) {
      for (const sql of [...realtimeDdl('realtime'), ...DAILY_DDL]) await c.query(sql);
      await insertRealtime(c, now);
      for (const [table, rows] of Object.entries(dailyRows(days))) await insert(c, table, rows);
      await c.query('INSERT INTO public.dashboards_seeded VALUES ($1)', [days.join(',')]);
    }
    await c.query('COMMIT');
    return done.rowCount === 0 ? days : String(done.rows[0].days).split(',');
  } catch (err) {
    await c.query('ROLLBACK');
    throw err;
  } finally {
    c.release();
  }
}

async function insertRealtime(c: PoolClient, now: number): Promise<void> {
  for (const [table, rows] of Object.entries(realtimeRows(now))) {
    await insert(
      c,
      table === 'minute_metrics'
        ? 'realtime.minute_metrics (site_id, minute, kafka_partition, events, page_views, clicks, visitors, sessions_started, product_viewed, product_added, checkout_started, bot_events, final)'
        : `realtime.${table}`,
      rows,
    );
  }
}

/**
 * Writes the realtime rows again around the clock's "now", so the live charts ("now", "today", the
 * last hour) have rows however long the run took and on whichever side of midnight (UTC) it is.
 * Within two minutes of midnight it first waits for the new day, so that the checks that follow do
 * not cross it. Within the first seconds of a minute it waits a few seconds: Superset resolves "now"
 * in a time range to the whole second, so a chart asked in the same second as the current minute's
 * row was written (11:08:00.4, say) ends its range at 11:08:00 and leaves that row out, where
 * PostgreSQL's now() keeps it.
 */
export async function refreshRealtime(pool: Pool): Promise<void> {
  const toMidnight = DAY_MS - (Date.now() % DAY_MS);
  if (toMidnight < 120_000) await new Promise((r) => setTimeout(r, toMidnight + 1000));
  const intoMinute = Date.now() % 60_000;
  if (intoMinute < 3_000) await new Promise((r) => setTimeout(r, 3_000 - intoMinute));
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query('SELECT pg_advisory_xact_lock(4242001)');
    await c.query(
      'TRUNCATE realtime.minute_metrics, realtime.page_minute, realtime.orders, realtime.live_visitors',
    );
    await insertRealtime(c, Date.now());
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK');
    throw err;
  } finally {
    c.release();
  }
}
