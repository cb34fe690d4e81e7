// Exact numbers on known input: hand-made lake rows -> Parquet on the real HDFS -> runBatch -> CSV.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { writeParquet } from '@clickstream/processor/write-parquet';
import { type CollectedEvent, lakeLayout, toLakeRow } from '@clickstream/schema';
import { collectedEvents } from '@clickstream/schema/fixtures';
import { describe, expect, inject, it } from 'vitest';
import { runBatch } from '../src/run-batch.ts';

const { webhdfsUrl, hdfsUser } = inject('infra');
const hdfs = new WebHdfsClient({ url: webhdfsUrl, user: hdfsUser });
const base = collectedEvents['order-completed'] as CollectedEvent;

let n = 0;
function ev(over: Partial<CollectedEvent> & { at: string }): CollectedEvent {
  const { at, ...rest } = over;
  n += 1;
  return {
    ...base,
    type: 'page',
    event: null,
    messageId: `m-${n}`,
    anonymousId: 'v1',
    userId: null,
    timestamp: at,
    receivedAt: at,
    properties: {},
    context: { ...base.context, page: { path: '/' } },
    device: { type: 'desktop', vendor: null, model: null },
    geo: { country: null, region: null, city: null },
    isBot: false,
    ...rest,
  };
}
const page = (path: string, at: string, over: Partial<CollectedEvent> = {}) =>
  ev({ at, context: { ...base.context, page: { path } }, ...over });
const track = (
  event: string,
  at: string,
  properties: Record<string, unknown>,
  over: Partial<CollectedEvent> = {},
) => ev({ type: 'track', event, at, properties, ...over });

describe('runBatch (real HDFS, exact counts)', () => {
  it('writes the daily CSVs with the defined numbers', async () => {
    const root = `/test/batch-${Date.now()}`;
    const lake = lakeLayout(root);
    const dupe = page('/', '2026-11-24T09:10:00.000Z', { anonymousId: 'v1' });
    const events = [
      dupe,
      { ...dupe }, // same message_id delivered twice: counted once
      page('/', '2026-11-24T09:20:00.000Z', {
        anonymousId: 'v2',
        device: { type: 'mobile', vendor: 'Apple', model: 'iPhone' },
      }),
      page('/products/cup', '2026-11-24T09:30:00.000Z', {
        anonymousId: 'v1',
        geo: { country: 'DE', region: null, city: null },
      }),
      track(
        'Product Viewed',
        '2026-11-24T09:30:01.000Z',
        { product_id: 'cup' },
        { anonymousId: 'v1', geo: { country: 'DE', region: null, city: null } },
      ),
      track('Product Viewed', '2026-11-24T14:00:00.000Z', { product_id: 'cup' }, { anonymousId: 'v2' }),
      track('Product Viewed', '2026-11-24T14:01:00.000Z', { product_id: 'pot' }, { anonymousId: 'v2' }),
      track(
        'Order Completed',
        '2026-11-24T14:05:00.000Z',
        { order_id: 'O1', revenue: 37.5, currency: 'EUR' },
        { anonymousId: 'v2' },
      ),
      // The same order reported twice (different message ids): one order, revenue once.
      track(
        'Order Completed',
        '2026-11-24T14:05:30.000Z',
        { order_id: 'O1', revenue: 37.5, currency: 'EUR' },
        { anonymousId: 'v2' },
      ),
      track(
        'Order Completed',
        '2026-11-24T14:06:00.000Z',
        { order_id: 'O2', revenue: 10.1, currency: 'EUR' },
        { anonymousId: null, userId: 'u9' },
      ),
      page('/', '2026-11-24T14:07:00.000Z', { anonymousId: 'crawler', isBot: true }), // bots are excluded
      page('/', '2026-11-25T00:00:00.000Z', { anonymousId: 'v3' }), // another day
    ];
    // As the processor writes them: one file per hour partition.
    const byHour = new Map<string, CollectedEvent[]>();
    for (const e of events) {
      const dir = lake.hourDir(Date.parse(e.timestamp));
      byHour.set(dir, [...(byHour.get(dir) ?? []), e]);
    }
    let i = 0;
    for (const [dir, list] of byHour)
      await hdfs.create(`${dir}/part-${i++}.parquet`, writeParquet(list.map(toLakeRow)));

    const out = mkdtempSync(join(tmpdir(), 'batch-out-'));
    const lines: string[] = [];
    const summary = await runBatch({
      hdfs,
      lake,
      date: '2026-11-24',
      outDir: out,
      log: (l) => lines.push(l),
    });
    // 12 rows: minus the duplicate delivery, the bot and the next day's event.
    expect(summary).toMatchObject({ date: '2026-11-24', files: 2, events: 9 });
    expect(lines[0]).toMatch(/^read 2 Parquet file\(s\)/);
    const csv = (f: string) => readFileSync(join(out, '2026-11-24', f), 'utf8');

    expect(csv('page_views.csv')).toBe(
      'date,page_path,page_views,visitors\n2026-11-24,/,2,2\n2026-11-24,/products/cup,1,1\n',
    );
    const hourly = csv('active_users_hourly.csv').trimEnd().split('\n');
    expect(hourly).toHaveLength(25);
    expect(hourly[0]).toBe('hour,active_users,events');
    expect(hourly[1]).toBe('2026-11-24 00:00:00,0,0');
    expect(hourly[10]).toBe('2026-11-24 09:00:00,2,4');
    expect(hourly[15]).toBe('2026-11-24 14:00:00,2,5');
    expect(csv('events_by_device.csv')).toBe(
      'date,device_type,events,visitors\n2026-11-24,desktop,8,3\n2026-11-24,mobile,1,1\n',
    );
    expect(csv('events_by_country.csv')).toBe(
      'date,country,events,visitors\n2026-11-24,,7,3\n2026-11-24,DE,2,1\n',
    );
    expect(csv('product_views.csv')).toBe(
      'date,product_id,views,visitors\n2026-11-24,cup,2,2\n2026-11-24,pot,1,1\n',
    );
    expect(csv('orders.csv')).toBe('date,currency,orders,revenue\n2026-11-24,EUR,2,47.6\n');
  });

  it('writes header-only CSVs for a day without events', async () => {
    const out = mkdtempSync(join(tmpdir(), 'batch-out-'));
    const summary = await runBatch({
      hdfs,
      lake: lakeLayout(`/test/empty-${Date.now()}`),
      date: '2026-01-01',
      outDir: out,
    });
    expect(summary).toMatchObject({ files: 0, events: 0 });
    expect(readFileSync(join(out, '2026-01-01', 'orders.csv'), 'utf8')).toBe(
      'date,currency,orders,revenue\n',
    );
    expect(readFileSync(join(out, '2026-01-01', 'active_users_hourly.csv'), 'utf8').split('\n')[1]).toBe(
      '2026-01-01 00:00:00,0,0',
    );
  });
});
