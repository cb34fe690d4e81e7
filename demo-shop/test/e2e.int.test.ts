// The walking skeleton, end to end with nothing faked: real Chromium browses the demo shop (SDK by
// script tag) -> real collector (child process) -> real Kafka -> real processor (child process) ->
// Parquet on real HDFS -> the daily batch -> CSV. Asserts exact numbers in the CSVs.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { queryLake, runBatch } from '@clickstream/batch';
import { freePort, REPO_ROOT } from '@clickstream/infra';
import { launchChromium } from '@clickstream/infra/chromium';
import { createPool } from '@clickstream/infra/postgres';
import { type Service, spawnService, waitForHttpOk } from '@clickstream/infra/services';
import { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { lakeLayout } from '@clickstream/schema';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Shop, startShop } from '../src/server.ts';

// A desktop Chrome on Linux. Headless Chromium's own User-Agent says "HeadlessChrome", which the
// collector rightly flags as a bot, and the batch leaves bots out of every aggregate.
const DESKTOP_CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

const { kafkaBrokers, webhdfsUrl, hdfsUser, postgresUrl } = inject('infra');
const hdfs = new WebHdfsClient({ url: webhdfsUrl, user: hdfsUser });
const run = randomUUID().slice(0, 8);
const realtimeSchema = `e2e_${run.replace(/-/g, '')}`;
const lakeRoot = `/test/e2e-${run}`;
const lake = lakeLayout(lakeRoot);

type Row = Record<string, string>;
function readCsv(path: string): Row[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\n');
  const columns = (header ?? '').split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [columns[i], v])));
}

interface LakeEvent {
  message_id: string;
  type: string;
  event_name: string | null;
  page_path: string | null;
  page_referrer: string | null;
  anonymous_id: string | null;
  utm_campaign: string | null;
  dt: string;
}

async function lakeEvents(): Promise<LakeEvent[]> {
  return (await queryLake(
    hdfs,
    lake.eventsDir,
    `SELECT DISTINCT message_id, type, event_name, page_path, page_referrer, anonymous_id, utm_campaign,
            CAST(dt AS VARCHAR) AS dt
     FROM events`,
  )) as unknown as LakeEvent[];
}

describe('end to end: a visit to the demo shop becomes rows in the daily CSVs', () => {
  const services: Service[] = [];
  let shop: Shop;
  let browser: Browser;

  beforeAll(async () => {
    const collectorPort = await freePort();
    const collectorUrl = `http://127.0.0.1:${collectorPort}`;
    shop = await startShop({ port: 0, collectorUrl, writeKey: `key-${run}` });
    const common = { KAFKA_BROKERS: kafkaBrokers.join(','), TOPIC_PREFIX: `e2e-${run}` };
    const collector = spawnService('collector', join(REPO_ROOT, 'collector', 'src', 'server.ts'), {
      ...common,
      COLLECTOR_PORT: String(collectorPort),
      COLLECTOR_SITES: JSON.stringify([{ siteId: 'e2e-shop', writeKey: `key-${run}`, origins: [shop.url] }]),
    });
    services.push(collector);
    services.push(
      spawnService('processor', join(REPO_ROOT, 'processor', 'src', 'main.ts'), {
        ...common,
        WEBHDFS_URL: webhdfsUrl,
        HDFS_USER: hdfsUser,
        LAKE_ROOT: lakeRoot,
        POSTGRES_URL: postgresUrl,
        PROCESSOR_PG_SCHEMA: realtimeSchema,
        // Lake files every half second, so the test need not wait for the default 10 s.
        PROCESSOR_COMMIT_MS: '500',
      }),
    );
    await waitForHttpOk(collector, `${collectorUrl}/ready`);
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await shop?.close();
    for (const s of services.reverse()) await s.stop();
  });

  it('home -> product -> add to cart -> cart -> checkout -> order; exact CSV values', async () => {
    const t0 = performance.now();
    const context = await browser.newContext({ userAgent: DESKTOP_CHROME });
    const page = await context.newPage();
    const collectorStatuses: number[] = [];
    const sentBodies: string[] = [];
    page.on('response', (r) => {
      if (!r.url().includes('/v1/batch')) return;
      collectorStatuses.push(r.status());
      sentBodies.push(r.request().postData() ?? '');
    });

    await page.goto(shop.url);
    await page.click('a[data-product-id="wool-throw"]');
    await page.waitForURL('**/products/wool-throw');
    await page.click('#add-to-cart');
    await page.click('#go-to-cart');
    await page.waitForURL('**/cart');
    expect(await page.textContent('#cart-total')).toBe('Total €89.00');
    await page.click('#checkout');
    await page.waitForURL('**/checkout');
    const orderClickedAt = Date.now();
    await page.click('#place-order');
    await page.waitForURL('**/order/**');
    const orderId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2] ?? '');
    expect(orderId).toMatch(/^o-/);
    const browsedMs = performance.now() - t0;

    // Wait until all the events are in the lake (the processor writes within seconds).
    const expected = [
      'page /',
      'page /products/wool-throw',
      'track Product Viewed',
      'track Product Added',
      'page /cart',
      'track Cart Viewed',
      'page /checkout',
      'track Checkout Started',
      'identify', // the customer id derived from the checkout email (never the email itself)
      'track Order Completed',
      `page /order/${orderId}`,
      // Click autocapture: the product link, Add to cart, View cart, Checkout, Place order.
      ...Array.from({ length: 5 }, () => 'track Element Clicked'),
    ];
    let events: LakeEvent[] = [];
    const waitDeadline = Date.now() + 45_000;
    while (Date.now() < waitDeadline) {
      events = await lakeEvents();
      if (events.length >= expected.length) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    const clickToLakeMs = Date.now() - orderClickedAt;
    const described = events.map((e) =>
      e.type === 'page'
        ? `page ${e.page_path}`
        : e.type === 'identify'
          ? 'identify'
          : `track ${e.event_name}`,
    );
    expect(described.sort()).toEqual([...expected].sort());
    await context.close();

    // The real-time stage saw the same visit: its minute rows in PostgreSQL add up to the events.
    const pool = createPool(postgresUrl);
    try {
      const [live] = (
        await pool.query(
          `SELECT sum(events)::int AS events, sum(page_views)::int AS page_views, sum(clicks)::int AS clicks,
                  sum(product_viewed)::int AS product_viewed, sum(orders)::int AS orders
           FROM ${realtimeSchema}.minute_totals WHERE site_id = 'e2e-shop'`,
        )
      ).rows;
      expect(live).toEqual({
        events: expected.length,
        page_views: 5,
        clicks: 5,
        product_viewed: 1,
        orders: 1,
      });
    } finally {
      await pool.end();
    }

    const days = [...new Set(events.map((e) => e.dt))];
    expect(days).toHaveLength(1); // (a run across midnight UTC would split the visit over two days)
    const date = days[0] as string;
    const outDir = mkdtempSync(join(tmpdir(), 'e2e-csv-'));
    const summary = await runBatch({ hdfs, lake, date, outDir });
    expect(summary.events).toBe(expected.length);
    const csv = (name: string) => readCsv(join(outDir, date, name));

    const site_id = 'e2e-shop';
    expect(csv('page_views.csv')).toEqual(
      ['/', '/cart', '/checkout', `/order/${orderId}`, '/products/wool-throw'].map((page_path) => ({
        date,
        site_id,
        page_path,
        page_views: '1',
        visitors: '1',
      })),
    );
    expect(csv('product_views.csv')).toEqual([
      { date, site_id, product_id: 'wool-throw', views: '1', visitors: '1' },
    ]);
    expect(csv('orders.csv')).toEqual([
      {
        date,
        site_id,
        currency: 'EUR',
        orders: '1',
        revenue: '89.00',
        average_order_value: '89.00',
        revenue_per_visitor: '89.00',
      },
    ]);
    const total = String(expected.length);
    expect(csv('events_by_device.csv')).toEqual([
      { date, site_id, device_type: 'desktop', events: total, visitors: '1' },
    ]);
    // Loopback addresses have no country.
    expect(csv('events_by_country.csv')).toEqual([
      { date, site_id, country: '', events: total, visitors: '1' },
    ]);
    // The visit is one session: it lands on the home page, orders, and leaves on the order page.
    expect(csv('summary.csv')).toEqual([
      expect.objectContaining({
        date,
        site_id,
        time_zone: 'UTC',
        visitors: '1',
        sessions: '1',
        page_views: '5',
        events: total,
        orders: '1',
        revenue_by_currency: 'EUR 89.00',
        bot_events: '0',
        duplicates_removed: '0',
      }),
    ]);
    expect(csv('sessions_daily.csv')).toEqual([
      expect.objectContaining({
        site_id,
        sessions: '1',
        bounces: '0',
        bounce_rate: '0.0000',
        pages_per_session: '5.0000',
      }),
    ]);
    expect(csv('landing_pages.csv')).toEqual([
      { date, site_id, page_path: '/', sessions: '1', bounces: '0', bounce_rate: '0.0000' },
    ]);
    expect(csv('exit_pages.csv')).toEqual([{ date, site_id, page_path: `/order/${orderId}`, sessions: '1' }]);
    expect(
      csv('funnel.csv')
        .filter((r) => r.scope === 'session')
        .map((r) => [r.step, r.sessions]),
    ).toEqual([
      ['Visit', '1'],
      ['Product Viewed', '1'],
      ['Product Added', '1'],
      ['Checkout Started', '1'],
      ['Order Completed', '1'],
    ]);
    expect(csv('new_vs_returning.csv').map((r) => [r.visitor_type, r.visitors])).toEqual([
      ['new', '1'],
      ['returning', '0'],
    ]);
    expect(csv('technology.csv')).toEqual([
      expect.objectContaining({ device_type: 'desktop', browser: 'Chrome', os: 'Linux', sessions: '1' }),
    ]);
    expect(csv('traffic_hourly.csv').reduce((n, h) => n + Number(h.events), 0)).toBe(expected.length);
    const hours = csv('active_users_hourly.csv');
    expect(hours).toHaveLength(24);
    const active = hours.filter((h) => h.events !== '0');
    // One visitor, active in the hour of the visit (two hours if it straddled the full hour).
    expect(active.every((h) => h.active_users === '1')).toBe(true);
    expect(active.reduce((n, h) => n + Number(h.events), 0)).toBe(expected.length);
    expect(collectorStatuses.every((s) => s === 200)).toBe(true);
    // The checkout form's values (name, email) never leave the page.
    expect(sentBodies.join('\n')).not.toMatch(/ada@example\.com|Ada Lovelace/);

    console.log(
      `e2e: browsing ${(browsedMs / 1000).toFixed(1)} s; "Place order" click -> all ${expected.length} events readable in HDFS ${(clickToLakeMs / 1000).toFixed(1)} s; ` +
        `whole test ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    rmSync(outDir, { recursive: true, force: true });
  }, 120_000);

  it('search and the client-routed guide (npm build): page views with the right referrers, in the lake', async () => {
    const context = await browser.newContext({ userAgent: DESKTOP_CHROME });
    const page = await context.newPage();
    await page.goto(`${shop.url}/?utm_campaign=winter`);
    await page.fill('#search', 'kettle');
    await page.press('#search', 'Enter');
    await page.waitForURL('**/search?q=kettle');
    expect(await page.textContent('#search-summary')).toContain('1 result(s)');
    await page.goto(`${shop.url}/guide`);
    await page.click('#guide-pour-over'); // pushState, no page load
    await page.waitForURL('**/guide/pour-over');
    await page.click('#guide-home');
    await page.waitForURL(/\/guide$/);
    const anonymousId = (await page.evaluate(`JSON.parse(localStorage.getItem('cs_aid'))`)) as string;
    await page.waitForTimeout(1_200); // the npm build's interval flush
    await context.close();

    let mine: LakeEvent[] = [];
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline) {
      mine = (await lakeEvents()).filter((e) => e.anonymous_id === anonymousId);
      if (
        mine.filter((e) => e.type === 'page').length >= 5 &&
        mine.some((e) => e.event_name === 'Guide Article Read')
      )
        break;
      await new Promise((r) => setTimeout(r, 300));
    }
    const pages = mine.filter((e) => e.type === 'page');
    expect(pages.map((e) => e.page_path).sort()).toEqual([
      '/',
      '/guide',
      '/guide',
      '/guide/pour-over',
      '/search',
    ]);
    expect(pages.find((e) => e.page_path === '/')?.utm_campaign).toBe('winter');
    expect(pages.find((e) => e.page_path === '/guide/pour-over')?.page_referrer).toBe(`${shop.url}/guide`);
    expect(mine.filter((e) => e.event_name === 'Products Searched')).toHaveLength(1);
    expect(mine.filter((e) => e.event_name === 'Guide Article Read')).toHaveLength(1);
  }, 120_000);
});
