// The live server against a real PostgreSQL: the processor's schema made with its own DDL, rows
// written as the processor writes them, a NOTIFY like its own, and the event stream checked for the
// new numbers. The periodic refresh is set to a minute, so what arrives within the test came from
// the NOTIFY (pushed), not from polling.
import { randomUUID } from 'node:crypto';
import { createPool, type Pool } from '@clickstream/infra/postgres';
import { NOTIFY_CHANNEL, realtimeDdl } from '@clickstream/processor';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readLiveConfig } from '../src/config.ts';
import { type LiveServer, startLiveServer } from '../src/live-server.ts';
import { applyDelta, type Delta, type Snapshot } from '../src/snapshot.ts';
import { readSse, type SseEvent } from './sse-reader.ts';

const { postgresUrl } = inject('infra');
const schema = `live_${randomUUID().slice(0, 8)}`;

describe('live server on real PostgreSQL', () => {
  let pool: Pool;
  let live: LiveServer;

  beforeAll(async () => {
    pool = createPool(postgresUrl);
    for (const sql of realtimeDdl(schema)) await pool.query(sql);
    live = await startLiveServer({
      ...readLiveConfig({}),
      port: 0,
      postgresUrl,
      schema,
      coalesceMs: 100,
      refreshMs: 60_000,
    });
    // The LISTEN connection is up once /health says so.
    const deadline = Date.now() + 10_000;
    while (!(await (await fetch(`${live.url}/health`)).json()).live.ok) {
      if (Date.now() > deadline) throw new Error('the live server never listened');
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  afterAll(async () => {
    await live?.close();
    await pool?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool?.end();
  });

  const notify = (sites: string[]) =>
    pool.query('SELECT pg_notify($1, $2)', [
      NOTIFY_CHANNEL,
      JSON.stringify({ schema, topic: 'clickstream.events', partition: 0, sites }),
    ]);

  /** What the processor writes for `events` events of one visitor in the current minute. */
  async function writeMinute(site: string, partition: number, events: number, visitor: string) {
    await pool.query(
      `INSERT INTO ${schema}.minute_metrics (site_id, minute, kafka_partition, events, page_views, clicks, visitors,
         sessions_started, product_viewed, product_added, checkout_started, bot_events, final)
       VALUES ($1, date_trunc('minute', now()), $2, $3, 2, 1, 1, 1, 0, 0, 0, 0, false)
       ON CONFLICT (site_id, minute, kafka_partition) DO UPDATE SET events = excluded.events`,
      [site, partition, events],
    );
    await pool.query(
      `INSERT INTO ${schema}.page_minute VALUES ($1, date_trunc('minute', now()), $2, '/products/wool-throw', 2)
       ON CONFLICT DO NOTHING`,
      [site, partition],
    );
    await pool.query(
      `INSERT INTO ${schema}.live_visitors VALUES ($1, $2, now(), $3) ON CONFLICT (site_id, visitor) DO NOTHING`,
      [site, visitor, partition],
    );
  }

  const state = (events: SseEvent[]): Snapshot => {
    let s: Snapshot | null = null;
    for (const e of events) {
      if (e.event === 'snapshot') s = e.data as Snapshot;
      else if (e.event === 'delta' && s) s = applyDelta(s, e.data as Delta);
    }
    if (!s) throw new Error('no snapshot');
    return s;
  };

  it('sends the current snapshot at once, then the new numbers after each NOTIFY', async () => {
    const site = `shop-${randomUUID().slice(0, 6)}`;
    await writeMinute(site, 0, 4, 'v1');
    const sse = await readSse(`${live.url}/events?site=${site}`);
    try {
      const first = (await sse.waitFor((e) => e.event === 'snapshot')).data as Snapshot;
      expect(first.today).toEqual({ events: 4, pageViews: 2, clicks: 1, visitors: 1, orders: 0 });
      expect(first.currentVisitors).toBe(1);
      expect(first.minutes.at(-1)?.events).toBe(4);
      expect(first.topPages).toEqual([{ path: '/products/wool-throw', pageViews: 2 }]);

      // A second partition's rows and three orders in two currencies, then the processor's NOTIFY.
      await writeMinute(site, 1, 6, 'v2');
      await pool.query(
        `INSERT INTO ${schema}.orders VALUES
           ($1, 'o-1', now(), now(), 'm-1', 'EUR', 89.00, 'v1', 0),
           ($1, 'o-2', now(), now(), 'm-2', 'EUR', 12.905, 'v2', 1),
           ($1, 'o-3', now(), now(), 'm-3', 'USD', 49.99, 'v2', 1)`,
        [site],
      );
      const from = sse.events.length;
      const sent = performance.now();
      await notify([site]);
      const delta = await sse.waitFor((e) => e.event === 'delta', 5_000, from);
      console.log(`live: NOTIFY -> delta on the stream in ${(delta.at - sent).toFixed(0)} ms`);
      const now = state(sse.events);
      expect(now.today).toEqual({ events: 10, pageViews: 4, clicks: 2, visitors: 2, orders: 3 });
      expect(now.currentVisitors).toBe(2);
      expect(now.minutes.at(-1)).toMatchObject({ events: 10, pageViews: 4, clicks: 2, orders: 3 });
      expect(now.topPages).toEqual([{ path: '/products/wool-throw', pageViews: 4 }]);
      // Exact decimals, one row per currency.
      expect(now.revenueToday).toEqual([
        { currency: 'EUR', orders: 2, revenue: '101.905000' },
        { currency: 'USD', orders: 1, revenue: '49.990000' },
      ]);
    } finally {
      sse.close();
    }
  });

  it('ignores NOTIFYs of other schemas and sites; serves the site list and a JSON read', async () => {
    const site = `blog-${randomUUID().slice(0, 6)}`;
    const sse = await readSse(`${live.url}/events?site=${site}`);
    try {
      await sse.waitFor((e) => e.event === 'snapshot');
      await writeMinute(site, 0, 3, 'v1');
      await pool.query('SELECT pg_notify($1, $2)', [
        NOTIFY_CHANNEL,
        JSON.stringify({ schema: 'someone_else', topic: 't', partition: 0, sites: [site] }),
      ]);
      await notify(['another-site']);
      await new Promise((r) => setTimeout(r, 600));
      expect(sse.events.map((e) => e.event)).toEqual(['snapshot']);
      await notify([site]);
      await sse.waitFor((e) => e.event === 'delta');
      expect(state(sse.events).today.events).toBe(3);
      expect(await (await fetch(`${live.url}/api/sites`)).json()).toContain(site);
      const json = (await (await fetch(`${live.url}/api/snapshot?site=${site}`)).json()) as Snapshot;
      expect(json.today.events).toBe(3);
    } finally {
      sse.close();
    }
  });

  it('listens again after its connection is killed, and re-reads what it missed', async () => {
    const site = `shop-${randomUUID().slice(0, 6)}`;
    const sse = await readSse(`${live.url}/events?site=${site}`);
    try {
      await sse.waitFor((e) => e.event === 'snapshot');
      // What a PostgreSQL restart does to the LISTEN connection.
      const killed = await pool.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE application_name = 'clickstream-live' AND query = $1`,
        [`LISTEN ${NOTIFY_CHANNEL}`],
      );
      expect(killed.rowCount).toBeGreaterThanOrEqual(1);
      await sse.waitFor((e) => e.event === 'status' && !(e.data as { ok: boolean }).ok);
      // Written (and notified) while nobody listened: the re-read on reconnecting finds it.
      await writeMinute(site, 0, 7, 'v1');
      await notify([site]);
      await sse.waitFor((e) => e.event === 'status' && (e.data as { ok: boolean }).ok);
      await sse.waitFor((e) => e.event === 'delta');
      expect(state(sse.events).today.events).toBe(7);
      // And NOTIFYs arrive again.
      await writeMinute(site, 1, 2, 'v2');
      const from = sse.events.length;
      await notify([site]);
      await sse.waitFor((e) => e.event === 'delta', 5_000, from);
      expect(state(sse.events).today.events).toBe(9);
    } finally {
      sse.close();
    }
  });
});
