// Compatibility: Segment's browser library @segment/analytics-next, from npm, bundled with esbuild as
// the SDK's build does, runs in real Chromium against the collector (in-process, the producer and
// sink server.ts uses) and the test Kafka, configured without Segment's CDN (see
// analytics-next-page.ts). In both delivery modes (one request per event to /v1/p, /v1/t, ...;
// batches to /v1/b) it sends page, track, identify, group and alias with the browser's clock two
// hours behind, and one event's first delivery is not acknowledged (503), so the library retries it
// cross-origin with X-Retry-Count. Every event must be on the topic exactly once, with its meaning
// and the right time; nothing may leave the machine (cdn.segment.com, api.segment.io).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { launchChromium } from '@clickstream/infra/chromium';
import type { CollectedEvent } from '@clickstream/schema';
import { validateCollectedEvent } from '@clickstream/schema';
import { bundleFile } from '@clickstream/sdk/build';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SegmentPageOptions } from './analytics-next-page.ts';
import { type Arrived, failFirstSendOf, startTestCollector, type TestCollector } from './helpers.ts';

const { kafkaBrokers } = inject('infra');
const WRITE_KEY = 'ajs-next-key';
const SKEW_MS = 2 * 3_600_000;
// A desktop Chrome: headless Chromium's own User-Agent says HeadlessChrome, which is a bot.
const DESKTOP_CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** Runs in the page before any script: the browser's clock is two hours behind. */
function clockBehind(skewMs: number) {
  const RealDate = Date;
  class BehindDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(RealDate.now() - skewMs);
      else super(...(args as [string]));
    }
    static override now() {
      return RealDate.now() - skewMs;
    }
  }
  globalThis.Date = BehindDate as DateConstructor;
}

let collector: TestCollector;
let pages: Server;
let pageUrl = '';
let browser: Browser;
/** Every request that reached the collector. */
const arrived: Arrived[] = [];

beforeAll(async () => {
  const script = await bundleFile(new URL('./analytics-next-page.ts', import.meta.url).pathname);
  pages = createServer((req, res) => {
    if (req.url === '/segment.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><title>Docs</title><script src="/segment.js"></script><h1>Docs</h1>');
    }
  });
  await new Promise<void>((r) => pages.listen(0, '127.0.0.1', r));
  pageUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
  collector = await startTestCollector({
    brokers: kafkaBrokers,
    sites: [{ siteId: 'ajs-site', writeKey: WRITE_KEY, origins: [pageUrl] }],
    wrapSink: (sink) => failFirstSendOf(sink, (e) => e.event === 'Retry Me'),
    onRequest: (req) => arrived.push(req),
  });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await collector?.close();
  pages?.close();
});

function byType(events: CollectedEvent[]): Record<string, CollectedEvent[]> {
  const out: Record<string, CollectedEvent[]> = {};
  for (const e of events) out[e.type] = [...(out[e.type] ?? []), e];
  return out;
}

describe('@segment/analytics-next in Chromium -> collector -> Kafka', () => {
  it.each([
    ['standard', false],
    ['batching', true],
  ] as const)(
    '%s delivery: every call once, with its meaning and the right time',
    async (mode, batching) => {
      const context = await browser.newContext({ userAgent: DESKTOP_CHROME });
      // Every request the page makes, to see that none leaves loopback. (No request interception:
      // with it, Playwright answers CORS preflights itself, and the collector's would go untested.)
      const outside: string[] = [];
      context.on('request', (r) => {
        if (new URL(r.url()).hostname !== '127.0.0.1') outside.push(r.url());
      });
      await context.addInitScript(clockBehind, SKEW_MS);
      const page = await context.newPage();
      const answers: Array<{ path: string; status: number; retryCount: string | undefined }> = [];
      const failed: string[] = [];
      page.on('response', (r) => {
        if (r.url().startsWith(collector.url))
          answers.push({
            path: new URL(r.url()).pathname,
            status: r.status(),
            retryCount: r.request().headers()['x-retry-count'],
          });
      });
      page.on('requestfailed', (r) => {
        if (r.url().startsWith(collector.url)) failed.push(`${r.url()}: ${r.failure()?.errorText}`);
      });

      await page.goto(pageUrl);
      const options: SegmentPageOptions = {
        writeKey: WRITE_KEY,
        apiHost: `${new URL(collector.url).host}/v1`,
        batching,
      };
      await page.evaluate((o) => window.startSegment(o), options);
      const anonymousId = await page.evaluate(async (run) => {
        const s = window.segment;
        await s.page('Docs', 'Getting Started', { section: 'intro' });
        await s.track('Order Completed', { order_id: `o-${run}`, revenue: 37.5, currency: 'EUR' });
        // alias before identify, as Segment documents it for analytics.js: the anonymous visitor
        // becomes the user. (Once a user is identified, analytics-next 1.x overwrites an alias's
        // userId with that user's id.)
        await s.alias(`user-${run}`);
        await s.identify(`user-${run}`, { plan: 'gold' });
        await s.group(`acme-${run}`, { name: 'Acme GmbH', employees: 40 });
        await s.track('Retry Me', { n: 1 });
        return (await s.user()).anonymousId() as string;
      }, mode);

      const read = await collector.read(
        collector.topics.events,
        6,
        (m) => (m.value as CollectedEvent).anonymousId === anonymousId,
      );
      const events = read.map((m) => m.value as CollectedEvent);
      const ids = events.map((e) => e.messageId);
      expect(new Set(ids).size).toBe(ids.length); // each once
      expect(events).toHaveLength(6);
      for (const e of events) {
        expect(validateCollectedEvent(e).ok).toBe(true);
        expect(e).toMatchObject({ siteId: 'ajs-site', isBot: false, futureTimestamp: false });
        expect(e.context.library?.name).toBe('analytics.js');
        // The browser's clock was two hours behind; the stored time is the server's.
        const received = Date.parse(e.receivedAt);
        expect(Math.abs(Date.parse(e.timestamp) - received)).toBeLessThan(10_000);
        expect(Math.abs(Date.parse(e.originalTimestamp ?? '') - (received - SKEW_MS))).toBeLessThan(10_000);
      }

      const t = byType(events);
      expect(t.page).toHaveLength(1);
      expect(t.page?.[0]).toMatchObject({
        name: 'Getting Started',
        properties: { section: 'intro', category: 'Docs', path: '/' },
        context: { page: { path: '/', title: 'Docs' } },
      });
      expect(t.track?.map((e) => e.event).sort()).toEqual(['Order Completed', 'Retry Me']);
      expect(t.track?.find((e) => e.event === 'Order Completed')?.properties).toEqual({
        order_id: `o-${mode}`,
        revenue: 37.5,
        currency: 'EUR',
      });
      expect(t.identify?.[0]).toMatchObject({ userId: `user-${mode}`, traits: { plan: 'gold' } });
      expect(t.group?.[0]).toMatchObject({
        groupId: `acme-${mode}`,
        userId: `user-${mode}`,
        traits: { name: 'Acme GmbH', employees: 40 },
      });
      expect(t.alias?.[0]).toMatchObject({ previousId: anonymousId, userId: `user-${mode}` });

      // The paths the library used, and the retry: a 503, then a cross-origin retry with X-Retry-Count.
      const paths = new Set(answers.map((a) => a.path));
      expect([...paths].sort()).toEqual(batching ? ['/v1/b'] : ['/v1/a', '/v1/g', '/v1/i', '/v1/p', '/v1/t']);
      expect(answers.filter((a) => a.status === 503)).toHaveLength(1);
      const retried = answers.filter((a) => a.retryCount !== undefined);
      expect(retried.length).toBeGreaterThanOrEqual(1);
      expect(retried.every((a) => a.status === 200)).toBe(true);
      expect(answers.filter((a) => a.status !== 503).every((a) => a.status === 200)).toBe(true);
      expect(failed).toEqual([]);
      // The browser asked first (Authorization and X-Retry-Count are not simple headers); it keeps
      // the preflight's answer (which allows X-Retry-Count) for the retry.
      expect(arrived.filter((a) => a.method === 'OPTIONS').length).toBeGreaterThan(0);
      expect(outside).toEqual([]);
      await context.close();
    },
    120_000,
  );
});
