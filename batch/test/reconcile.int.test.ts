// Reconciliation with the stream: the processor's realtime schema (its real DDL) holds what the
// stream would have said about the known day (a late event it left out, a session it never saw, a
// session it closed differently, one it has and the batch does not); the batch's report says so.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool } from '@clickstream/infra/postgres';
import { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { realtimeDdl } from '@clickstream/processor';
import { lakeLayout, sessionIdOf } from '@clickstream/schema';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runBatch } from '../src/run-batch.ts';
import { DATE, FX_RATES, readCsv, SITES, writeKnownLake } from './known-day.ts';

const { webhdfsUrl, hdfsUser, postgresUrl } = inject('infra');
const hdfs = new WebHdfsClient({ url: webhdfsUrl, user: hdfsUser });
const pool = createPool(postgresUrl);
const schema = `rt_${Date.now()}`;
afterAll(() => pool.end());

const at = (iso: string) => new Date(iso);
const D = (t: string) => at(`${DATE}T${t}Z`);

describe('reconciliation with the stream (real PostgreSQL, the processor DDL)', () => {
  it('reports per metric how far the real-time numbers were from the batch', async () => {
    for (const ddl of realtimeDdl(schema)) await pool.query(ddl);
    const minute = `INSERT INTO ${schema}.minute_metrics (site_id, minute, kafka_partition, events, page_views, clicks,
      visitors, sessions_started, product_viewed, product_added, checkout_started, bot_events, final)
      VALUES ($1, $2, 0, $3, $4, 0, 1, $5, 0, 0, 0, $6, true)`;
    await pool.query(minute, ['shop', D('09:00:00'), 20, 10, 8, 1]); // the late page view is missing
    await pool.query(minute, ['berlin', at('2026-11-23T23:30:00Z'), 2, 1, 1, 0]);
    const order = `INSERT INTO ${schema}.orders (site_id, order_id, event_time, received_at, message_id, currency,
      revenue, visitor, kafka_partition) VALUES ($1, $2, $3, $3, $2, $4, $5, 'x', 0)`;
    await pool.query(order, ['shop', 'O1', D('09:10:00'), 'EUR', '37.5']);
    await pool.query(order, ['shop', 'O2', D('14:00:00'), 'USD', '10.1']);
    await pool.query(order, ['shop', 'O4', D('15:00:00'), null, null]);
    await pool.query(order, ['berlin', 'O9', at('2026-11-23T23:40:00Z'), 'USD', '12']);
    const session = async (
      site: string,
      visitor: string,
      start: Date,
      end: Date,
      events: number,
      pages: number,
    ) =>
      pool.query(
        `INSERT INTO ${schema}.sessions (session_id, site_id, visitor, session_start, session_end, duration_s, events,
          page_views, device_type, is_bounce, funnel_step, orders, sdk_session_ids, kafka_partition)
         VALUES ($1, $2, $3, $4, $5, 0, $6, $7, 'desktop', false, 0, 0, 0, 0)`,
        [sessionIdOf(site, visitor, start.getTime()), site, visitor, start, end, events, pages],
      );
    await session('shop', 'a', D('09:00:00'), D('09:12:00'), 8, 3);
    await session('shop', 'a', D('10:00:00'), D('10:00:00'), 1, 1);
    await session('shop', 'b', D('23:45:00'), at('2026-11-25T00:05:00Z'), 2, 1);
    await session('shop', 'user:u9', D('14:00:00'), D('14:00:00'), 1, 0);
    await session('shop', 'user:u9', D('15:00:00'), D('15:01:00'), 2, 0);
    await session('shop', 'g', D('16:00:00'), D('16:02:00'), 3, 2);
    await session('shop', 'f', D('13:00:00'), D('13:00:00'), 1, 1); // the batch has 2 events
    await session('shop', 'zzz', D('20:00:00'), D('20:00:00'), 1, 1); // the batch has none
    await session('berlin', 'k', at('2026-11-23T23:30:00Z'), at('2026-11-23T23:40:00Z'), 2, 1);
    await pool.query(
      `INSERT INTO ${schema}.daily_counts (site_id, day, kafka_partition, late_events, duplicates, bot_events)
       VALUES ('shop', $1, 0, 1, 1, 1)`,
      [DATE],
    );

    const lake = lakeLayout(`/test/reconcile-${Date.now()}`);
    await writeKnownLake(hdfs, lake);
    const out = mkdtempSync(join(tmpdir(), 'reconcile-'));
    const lines: string[] = [];
    await runBatch({
      hdfs,
      lake,
      date: DATE,
      outDir: out,
      sites: SITES,
      fxRates: FX_RATES,
      realtime: { pool, schema },
      log: (l) => lines.push(l),
    });
    const site = (id: string, rows: string[][]) => rows.map((r) => [DATE, id, ...r]);
    expect(readCsv(join(out, DATE, 'reconciliation.csv'))).toEqual([
      ['date', 'site_id', 'metric', 'currency', 'batch', 'realtime', 'difference'],
      ...site('berlin', [
        ['events', '', '2', '2', '0'],
        ['page_views', '', '1', '1', '0'],
        ['bot_events', '', '0', '0', '0'],
        ['sessions', '', '1', '1', '0'],
        ['sessions_only_in_batch', '', '', '', '0'],
        ['sessions_only_in_realtime', '', '', '', '0'],
        ['sessions_that_differ', '', '', '', '0'],
        ['orders', '', '1', '1', '0'],
        ['revenue', 'USD', '12', '12', '0'],
        ['duplicates_removed', '', '0', '0', '0'],
        ['late_events', '', '', '0', ''],
      ]),
      ...site('shop', [
        ['events', '', '21', '20', '-1'],
        ['page_views', '', '11', '10', '-1'],
        ['bot_events', '', '1', '1', '0'],
        ['sessions', '', '8', '8', '0'],
        ['sessions_only_in_batch', '', '', '', '1'],
        ['sessions_only_in_realtime', '', '', '', '1'],
        ['sessions_that_differ', '', '', '', '1'],
        ['orders', '', '3', '3', '0'],
        ['revenue', 'EUR', '37.5', '37.5', '0'],
        ['revenue', 'USD', '10.1', '10.1', '0'],
        ['revenue', '', '0', '0', '0'],
        ['duplicates_removed', '', '1', '1', '0'],
        ['late_events', '', '', '1', ''],
      ]),
    ]);
    expect(lines).toContain(
      `${DATE}: reconciliation shop: events 21 (real-time 20, -1), sessions 8 (real-time 8), 3 session(s) differ, late events 1, duplicates 1 (real-time 1)`,
    );
  });
});
