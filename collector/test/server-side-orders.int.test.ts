// A shop's back end reports orders with Segment's and RudderStack's Node libraries: those orders must
// count in the daily orders. Both libraries' User-Agents are on bot lists, so a server site's events
// are not checked by their User-Agent header (only a relayed browser one counts). Real path: the
// libraries -> collector (in-process) -> Kafka -> the processor (child process) -> Parquet on HDFS
// -> the daily batch -> orders.csv.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queryLake, runBatch } from '@clickstream/batch';
import { REPO_ROOT } from '@clickstream/infra';
import { type Service, spawnService } from '@clickstream/infra/services';
import { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { lakeLayout } from '@clickstream/schema';
import Rudder from '@rudderstack/rudder-sdk-node';
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestCollector, type TestCollector } from './helpers.ts';

const { kafkaBrokers, webhdfsUrl, hdfsUser } = inject('infra');
const hdfs = new WebHdfsClient({ url: webhdfsUrl, user: hdfsUser });
const SERVER_KEY = 'orders-server-key';
const DATE = '2026-11-24';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

let collector: TestCollector;
let processor: Service;
let lake: ReturnType<typeof lakeLayout>;

beforeAll(async () => {
  collector = await startTestCollector({
    brokers: kafkaBrokers,
    sites: [{ siteId: 'shop-backend', writeKey: SERVER_KEY, trustContextIp: true }],
  });
  lake = lakeLayout(`/test/${collector.prefix}`);
  processor = spawnService('processor', join(REPO_ROOT, 'processor', 'src', 'main.ts'), {
    KAFKA_BROKERS: kafkaBrokers.join(','),
    TOPIC_PREFIX: collector.prefix,
    PROCESSOR_GROUP_ID: `${collector.prefix}-processor`,
    WEBHDFS_URL: webhdfsUrl,
    HDFS_USER: hdfsUser,
    LAKE_ROOT: `/test/${collector.prefix}`,
  });
}, 120_000);

afterAll(async () => {
  await processor?.stop();
  await collector?.close();
});

describe('server-side orders count in the daily orders', () => {
  it("orders from analytics-node and rudder-sdk-node are people's orders; a relayed bot User-Agent is not", async () => {
    const segment = new Analytics({
      writeKey: SERVER_KEY,
      host: collector.url,
      flushAt: 10,
      flushInterval: 200,
    });
    const segmentErrors: unknown[] = [];
    segment.on('error', (e) => segmentErrors.push(e));
    segment.track({
      userId: 'customer-1',
      event: 'Order Completed',
      properties: { order_id: 'S-1', revenue: 37.5, currency: 'EUR' },
      timestamp: new Date(`${DATE}T10:30:00.000Z`),
    });
    // The shop relays its visitor's browser User-Agent, and that visitor was a crawler.
    segment.track({
      userId: 'crawler-1',
      event: 'Order Completed',
      properties: { order_id: 'B-1', revenue: 1000, currency: 'EUR' },
      context: { userAgent: GOOGLEBOT },
      timestamp: new Date(`${DATE}T10:45:00.000Z`),
    });
    await segment.closeAndFlush({ timeout: 20_000 });
    expect(segmentErrors).toEqual([]);

    const rudder = new Rudder(SERVER_KEY, {
      dataPlaneUrl: collector.url,
      flushInterval: 200,
      logLevel: 'error',
    });
    rudder.track({
      userId: 'customer-2',
      event: 'Order Completed',
      properties: { order_id: 'R-1', revenue: 20, currency: 'EUR' },
      timestamp: new Date(`${DATE}T11:00:00.000Z`),
    });
    await rudder.flush();

    // The processor writes the lake within seconds.
    let rows: Record<string, unknown>[] = [];
    await expect
      .poll(
        async () => {
          rows = await queryLake(
            hdfs,
            lake.eventsDir,
            'SELECT order_id, is_bot, library_name, CAST(dt AS VARCHAR) AS dt FROM events ORDER BY order_id',
          );
          return rows.length;
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBe(3);
    expect(rows).toEqual([
      { order_id: 'B-1', is_bot: true, library_name: '@segment/analytics-node', dt: DATE },
      { order_id: 'R-1', is_bot: false, library_name: 'analytics-node', dt: DATE },
      { order_id: 'S-1', is_bot: false, library_name: '@segment/analytics-node', dt: DATE },
    ]);

    const outDir = mkdtempSync(join(tmpdir(), 'server-orders-'));
    try {
      const summary = await runBatch({ hdfs, lake, date: DATE, outDir });
      expect(summary.events).toBe(2); // the crawler's order is left out
      expect(readFileSync(join(outDir, DATE, 'orders.csv'), 'utf8')).toBe(
        `date,currency,orders,revenue\n${DATE},EUR,2,57.5\n`,
      );
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  }, 120_000);
});
