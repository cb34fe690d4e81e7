// The live page in real Chromium on the real pipeline: the demo shop (SDK by script tag) ->
// collector -> Kafka -> processor -> PostgreSQL -> NOTIFY -> live server -> server-sent events ->
// the page. A shopper clicks "Add to cart" in one tab; the live page in another shows the new
// numbers. The click-to-screen time is measured in the live page itself (a MutationObserver notes
// when the number changes) and printed as p50/p95; it is reported, not asserted. A second site
// gets simulated traffic (today until now, then a little live traffic) so the screenshot saved to
// test-artifacts/ shows a page worth looking at, and its numbers are checked against PostgreSQL.
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Shop, startShop } from '@clickstream/demo-shop';
import {
  BOTS,
  backfill,
  planDay,
  type RunOptions,
  runLive,
  waitForLake,
} from '@clickstream/demo-shop/simulate';
import { freePort, REPO_ROOT } from '@clickstream/infra';
import { launchChromium } from '@clickstream/infra/chromium';
import { createClient, createPool, type Pool } from '@clickstream/infra/postgres';
import { type Service, spawnService, waitForHttpOk } from '@clickstream/infra/services';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readLiveConfig } from '../src/config.ts';
import { type LiveServer, NOTIFY_CHANNEL, startLiveServer } from '../src/live-server.ts';

// Headless Chromium's own User-Agent says "HeadlessChrome", which the collector flags as a bot.
const DESKTOP_CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const CLICKS = 10;
/** Visits a day of the simulated site (its traffic follows the hour: quiet at night). */
const SIM_VISITS = 1200;

const { kafkaBrokers, webhdfsUrl, hdfsUser, postgresUrl } = inject('infra');
const run = randomUUID().slice(0, 8);
const schema = `live_page_${run}`;

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
};

/** The number a tile shows (its data-value). */
const tile = (page: Page, id: string) =>
  page.evaluate((el) => Number(document.getElementById(el)?.dataset.value), id);

async function openLivePage(browser: Browser, url: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  // Each change of "Events today", with the moment it happened (epoch ms, this machine's clock).
  await page.evaluate(() => {
    const el = document.getElementById('events-today') as HTMLElement;
    const changes: Array<{ at: number; value: number }> = [];
    (window as unknown as { changes: typeof changes }).changes = changes;
    new MutationObserver(() =>
      changes.push({ at: performance.timeOrigin + performance.now(), value: Number(el.dataset.value) }),
    ).observe(el, { attributes: true, attributeFilter: ['data-value'] });
  });
  await page.waitForSelector('#status.ok', { timeout: 20_000 });
  expect(errors).toEqual([]);
  return page;
}

describe('the live page on the real pipeline, in Chromium', () => {
  const services: Service[] = [];
  let shop: Shop;
  let live: LiveServer;
  let browser: Browser;
  let pool: Pool;
  let collectorUrl: string;
  let sim: RunOptions;
  let simulatedUntil: number;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const collectorPort = await freePort();
    collectorUrl = `http://127.0.0.1:${collectorPort}`;
    shop = await startShop({ port: 0, collectorUrl, writeKey: `key-${run}` });
    const common = { KAFKA_BROKERS: kafkaBrokers.join(','), TOPIC_PREFIX: `live-${run}` };
    const collector = spawnService('collector', join(REPO_ROOT, 'collector', 'src', 'server.ts'), {
      ...common,
      COLLECTOR_PORT: String(collectorPort),
      COLLECTOR_SITES: JSON.stringify([
        { siteId: 'click-shop', writeKey: `key-${run}`, origins: [shop.url] },
        { siteId: 'sim-shop', writeKey: `sim-${run}`, origins: [], trustContextIp: true },
      ]),
    });
    services.push(collector);
    const processor = spawnService('processor', join(REPO_ROOT, 'processor', 'src', 'main.ts'), {
      ...common,
      WEBHDFS_URL: webhdfsUrl,
      HDFS_USER: hdfsUser,
      LAKE_ROOT: `/test/live-${run}`,
      POSTGRES_URL: postgresUrl,
      PROCESSOR_PG_SCHEMA: schema,
      PROCESSOR_COMMIT_MS: '1000',
    });
    services.push(processor);
    await waitForHttpOk(collector, `${collectorUrl}/ready`);
    // The processor creates its schema on start; the live server reads it.
    pool = createPool(postgresUrl);
    const deadline = Date.now() + 60_000;
    while (!(await pool.query(`SELECT to_regclass('${schema}.today') AS t`)).rows[0].t) {
      if (processor.child.exitCode !== null) throw new Error(`processor exited:\n${processor.output()}`);
      if (Date.now() > deadline) throw new Error(`no schema ${schema} after 60 s:\n${processor.output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    live = await startLiveServer({ ...readLiveConfig({}), port: 0, postgresUrl, schema });
    browser = await launchChromium();
    // Today until now for the simulated site, first: sent later, behind the clicks' events, it
    // would be late for the processor's watermark (it reaches the lake, not the real-time views).
    sim = { traffic: { seed: 11 }, collectorUrl, writeKey: `sim-${run}`, log: (line) => console.log(line) };
    simulatedUntil = Date.now();
    await backfill(sim, [new Date(simulatedUntil).toISOString().slice(0, 10)], SIM_VISITS, simulatedUntil);
    // Measure the clicks on a processor that is done with that backfill (its lake commit of a whole
    // day's files holds up its real-time flushes for seconds on this machine).
    await waitForLake({
      brokers: kafkaBrokers,
      topic: `live-${run}.events`,
      groupId: 'clickstream-processor',
      log: (line) => console.log(line),
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await live?.close();
    await shop?.close();
    for (const s of services.reverse()) await s.stop();
    await pool?.end();
  });

  it('shows each "Add to cart" click in another tab; click-to-screen p50/p95', async () => {
    const livePage = await openLivePage(browser, `${live.url}/?site=click-shop`);
    const shopPage = await (await browser.newContext({ userAgent: DESKTOP_CHROME })).newPage();
    const sends: number[] = [];
    shopPage.on('request', (r) => {
      if (r.url().includes('/v1/batch')) sends.push(Date.now());
    });
    await shopPage.goto(shop.url);
    await shopPage.click('a[data-product-id="wool-throw"]');
    await shopPage.waitForURL('**/products/wool-throw');
    // Home page view, the click on the product, its page view, Product Viewed.
    await livePage.waitForFunction(
      () => document.getElementById('events-today')?.dataset.value === '4',
      null,
      {
        timeout: 30_000,
      },
    );

    // The processor's NOTIFYs for this site, as the live server hears them: where the time goes.
    const notified: number[] = [];
    const listener = createClient(postgresUrl);
    listener.on('error', () => {});
    await listener.connect();
    await listener.query(`LISTEN ${NOTIFY_CHANNEL}`);
    listener.on('notification', (n) => {
      const p = JSON.parse(n.payload ?? '{}') as { schema?: string; sites?: string[] };
      if (p.schema === schema && p.sites?.includes('click-shop')) notified.push(Date.now());
    });

    const clickToScreen: number[] = [];
    const sendToScreen: number[] = [];
    const sendToNotify: number[] = [];
    const notifyToScreen: number[] = [];
    for (let i = 0; i < CLICKS; i++) {
      // Clicks at varying moments relative to the SDK's one-second send interval.
      await shopPage.waitForTimeout(200 + ((i * 373) % 1000));
      const before = 4 + 2 * i;
      const clickedAt = Date.now();
      await shopPage.click('#add-to-cart'); // Element Clicked + Product Added
      await livePage.waitForFunction(
        (n) => Number(document.getElementById('events-today')?.dataset.value) > n,
        before,
        { timeout: 15_000, polling: 50 },
      );
      const changes = (await livePage.evaluate('window.changes')) as Array<{ at: number; value: number }>;
      const shown = changes.find((c) => c.value > before && c.at >= clickedAt) as { at: number };
      clickToScreen.push(shown.at - clickedAt);
      const sent = sends.find((t) => t >= clickedAt);
      if (sent !== undefined) sendToScreen.push(shown.at - sent);
      const note = [...notified].reverse().find((t) => t <= shown.at);
      if (sent !== undefined && note !== undefined && note >= sent) {
        sendToNotify.push(note - sent);
        notifyToScreen.push(shown.at - note);
      }
    }
    await listener.end();
    const fmt = (xs: number[]) =>
      `p50 ${percentile(xs, 50).toFixed(0)} ms, p95 ${percentile(xs, 95).toFixed(0)} ms, ` +
      `min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)} (n=${xs.length})`;
    console.log(
      `live page: click -> number on screen: ${fmt(clickToScreen)}\n` +
        `live page: SDK request sent -> number on screen: ${fmt(sendToScreen)} ` +
        '(the rest is the SDK waiting for its 1 s send interval)\n' +
        `live page:   request sent -> processor's NOTIFY: ${fmt(sendToNotify)}\n` +
        `live page:   NOTIFY -> number on screen: ${fmt(notifyToScreen)}`,
    );

    // Exact numbers once everything arrived: 4 + 2 per click, one click each plus the product link.
    await livePage.waitForFunction(
      (n) => document.getElementById('events-today')?.dataset.value === String(n),
      4 + 2 * CLICKS,
      { timeout: 15_000 },
    );
    expect(await tile(livePage, 'clicks-today')).toBe(1 + CLICKS);
    expect(await tile(livePage, 'visitors-today')).toBe(1);
    expect(await tile(livePage, 'current-visitors')).toBe(1);
    expect(await tile(livePage, 'orders-today')).toBe(0);
    expect(await livePage.locator('#top-pages code').allTextContents()).toEqual([
      '/',
      '/products/wool-throw',
    ]);
    expect(await livePage.locator('#chart canvas').count()).toBe(1);
    await livePage.screenshot({ path: join(ARTIFACTS, 'live-page-clicks.png'), fullPage: true });
  }, 120_000);

  it('shows a simulated shop with a full hour and matches PostgreSQL; screenshot', async () => {
    const now = simulatedUntil;
    const today = new Date(now).toISOString().slice(0, 10);
    const stop = new AbortController();
    const traffic = runLive(sim, 8, stop.signal);
    const livePage = await openLivePage(browser, `${live.url}/?site=sim-shop`);
    await livePage.waitForTimeout(12_000);
    stop.abort();
    await traffic;
    // Everything sent is processed and pushed: wait until the page stops changing, then compare.
    let last = -1;
    for (let stable = 0; stable < 3; ) {
      await livePage.waitForTimeout(1_000);
      const shown = await tile(livePage, 'events-today');
      stable = shown === last ? stable + 1 : 0;
      last = shown;
    }
    const [db] = (
      await pool.query(
        `SELECT t.events::int, t.clicks::int, t.visitors::int, t.orders::int,
                (SELECT visitors::int FROM ${schema}.current_visitors WHERE site_id = 'sim-shop') AS current
           FROM ${schema}.today t WHERE site_id = 'sim-shop'`,
      )
    ).rows;
    expect({
      events: await tile(livePage, 'events-today'),
      clicks: await tile(livePage, 'clicks-today'),
      visitors: await tile(livePage, 'visitors-today'),
      orders: await tile(livePage, 'orders-today'),
    }).toEqual({ events: db.events, clicks: db.clicks, visitors: db.visitors, orders: db.orders });
    expect(Math.abs((await tile(livePage, 'current-visitors')) - db.current)).toBeLessThanOrEqual(3);
    // The chart, top pages and revenue have what PostgreSQL has (how much depends on the hour of
    // the day the test runs: the simulated shop is quiet at night).
    const count = async (sql: string) => (await pool.query(sql)).rows[0].n as number;
    // Every minute of the last hour in which the simulated plan has a person's event has its row
    // (at night only a few), and none of the site's events came too late for the real-time tables:
    // the backfill reaches Kafka in time order.
    const bots = new Set(BOTS.map((b) => b.userAgent));
    const [window] = (
      await pool.query(`SELECT (extract(epoch FROM now() - interval '60 minutes') * 1000)::float8 AS since`)
    ).rows;
    const planned = [
      ...new Set(
        planDay(sim.traffic, today, SIM_VISITS)
          .filter((e) => e.at <= now && !bots.has(e.event.context?.userAgent ?? ''))
          .map((e) => Math.floor(e.at / 60_000) * 60_000)
          .filter((minute) => minute > window.since),
      ),
    ].map((minute) => new Date(minute).toISOString());
    const busy = (
      await pool.query(
        `SELECT minute FROM ${schema}.minute_totals
          WHERE site_id = 'sim-shop' AND minute > to_timestamp($1 / 1000.0) AND events > 0`,
        [window.since],
      )
    ).rows.map((r) => (r.minute as Date).toISOString());
    expect(planned.filter((minute) => !busy.includes(minute))).toEqual([]);
    const late = await count(
      `SELECT coalesce(sum(late_events), 0)::int AS n FROM ${schema}.daily_counts WHERE site_id = 'sim-shop'`,
    );
    expect(late).toBe(0);
    const topPages = await count(
      `SELECT least(count(*), 10)::int AS n FROM ${schema}.top_pages_now WHERE site_id = 'sim-shop'`,
    );
    expect(await livePage.locator('#top-pages li:not(.empty)').count()).toBe(topPages);
    const currencies = await count(
      `SELECT count(*)::int AS n FROM ${schema}.revenue_today WHERE site_id = 'sim-shop'`,
    );
    expect(await livePage.locator('#revenue-today li:not(.empty)').count()).toBe(currencies);
    expect(await livePage.locator('#status').textContent()).toBe('live');
    await livePage.screenshot({ path: join(ARTIFACTS, 'live-page.png'), fullPage: true });
  }, 180_000);
});
