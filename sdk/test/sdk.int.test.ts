// The SDK in real Chromium, for the script-tag build, the async snippet and the npm build: every
// feature is checked by the payloads that actually reach the (stub) collector.
import { launchChromium } from '@clickstream/infra/chromium';
import { validateWireBatch } from '@clickstream/schema';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { Harness, type Variant } from './harness.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
let browser: Browser;
let h: Harness;
let context: BrowserContext;
let page: Page;
let pageErrors: string[];

beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  h = new Harness();
  await h.start();
  context = await browser.newContext();
  page = await context.newPage();
  pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
});
afterEach(async () => {
  await context?.close();
  await h?.stop();
});

const cs = (fn: string) => page.evaluate(`(async () => { ${fn} })()`);
const flush = () => cs('await window.clickstream.flush()');
const named = (name: string) =>
  h.events().filter((e) => e.event === name || (e.type === 'page' && name === 'page'));
async function until(count: () => number, n: number) {
  await vi.waitFor(() => expect(count()).toBeGreaterThanOrEqual(n), { timeout: 10_000, interval: 100 });
}

describe.each<Variant>(['script', 'npm'])('%s build', (variant) => {
  it('sends a page view on load with page, campaign, click ids and library; valid batches', async () => {
    await page.goto(h.page(variant, '/landing.html?utm_source=news&utm_campaign=winter&gclid=abc123'));
    await until(() => named('page').length, 1);
    const [view] = named('page');
    expect(view).toMatchObject({
      type: 'page',
      anonymousId: expect.stringMatching(UUID),
      sessionId: expect.stringMatching(UUID),
      messageId: expect.stringMatching(UUID),
      originalTimestamp: expect.any(String),
      context: {
        page: { path: '/landing.html', title: 'SDK test' },
        campaign: { source: 'news', name: 'winter' },
        clickIds: { gclid: 'abc123' },
        library: { name: 'clickstream-sdk' },
        userAgent: expect.stringContaining('Chrome'),
      },
    });
    for (const body of h.received) {
      expect(validateWireBatch(body).ok).toBe(true);
      expect(body).toMatchObject({ writeKey: 'wk', sentAt: expect.any(String) });
    }
    if (variant === 'npm') expect(named('Before Init')).toHaveLength(1); // queued before init
    expect(pageErrors).toEqual([]);
  });

  it('counts single-page-app routes once each, with the previous route as referrer', async () => {
    await page.goto(h.page(variant));
    await until(() => named('page').length, 1);
    const start = page.url();
    // Route changes within one task (a redirect) count once, for the final URL; a person's clicks
    // are further apart, hence the pauses.
    const pause = () => page.waitForTimeout(100);
    await page.click('#push'); // pushState -> /spa/a
    await pause();
    await page.click('#replace'); // replaceState to the same URL: not a new page
    await pause();
    await page.click('#hash'); // #section
    await pause();
    await page.goBack(); // popstate back to /spa/a
    await pause();
    await flush();
    await until(() => named('page').length, 4);
    await flush();
    const views = named('page') as unknown as Array<{
      context: { page: { path: string; url: string; referrer: string } };
    }>;
    expect(views.map((v) => v.context.page.url.replace(h.origin, ''))).toEqual([
      start.replace(h.origin, ''),
      '/spa/a',
      '/spa/a#section',
      '/spa/a',
    ]);
    expect(views[1]?.context.page.referrer).toBe(start);
    expect(views[2]?.context.page.referrer).toBe(`${h.origin}/spa/a`);
  });

  it('autocaptures links, buttons and [data-track] elements, never form values', async () => {
    await page.goto(h.page(variant));
    await page.fill('#email', 'typed@example.com');
    await page.click('#buy');
    await page.click('#marked');
    await page.click('#password');
    await page.click('#submit');
    await page.click('#link'); // navigates away: the click must still arrive
    await page.waitForURL('**/other.html');
    await until(() => h.events().filter((e) => e.type === 'track' && e.event !== 'Before Init').length, 5);
    const clicks = h.events().filter((e) => e.type === 'track' && e.event !== 'Before Init');
    expect(clicks.map((e) => [e.event, e.properties])).toEqual([
      ['Element Clicked', { tag: 'button', text: 'Buy now', selector: 'button#buy' }],
      ['Newsletter Signup', { tag: 'div', text: 'Sign up', selector: 'div#marked' }],
      ['Password Field', { tag: 'input', text: '', selector: 'input#password' }],
      ['Element Clicked', { tag: 'input', text: 'Send', selector: 'input#submit' }],
      [
        'Element Clicked',
        { tag: 'a', text: 'Other page', selector: 'a#link', href: `${h.origin}/other.html` },
      ],
    ]);
    const everything = JSON.stringify(h.received);
    for (const secret of ['hunter2', 'typed@example.com', 'secret@example.com'])
      expect(everything).not.toContain(secret);
  });

  it('identify sets the user on later events; reset starts a new anonymous visitor', async () => {
    await page.goto(h.page(variant));
    await cs(`clickstream.identify('user-42', { plan: 'pro' }); clickstream.track('After Identify');
      clickstream.reset(); clickstream.track('After Reset'); await clickstream.flush();`);
    await until(() => named('After Reset').length, 1);
    const [ident] = h.events().filter((e) => e.type === 'identify');
    const [after] = named('After Identify');
    const [reset] = named('After Reset');
    expect(ident).toMatchObject({ userId: 'user-42', traits: { plan: 'pro' } });
    expect(after?.userId).toBe('user-42');
    expect(reset?.userId).toBeUndefined();
    expect(reset?.anonymousId).not.toBe(after?.anonymousId);
  });

  it('opt-out stops all sending, survives a reload, and opt-in resumes', async () => {
    await page.goto(h.page(variant));
    await until(() => named('page').length, 1);
    await cs(`clickstream.optOut(); clickstream.track('While Out'); await clickstream.flush();`);
    await page.reload();
    await cs(`clickstream.track('Still Out'); await clickstream.flush();`);
    await cs(`clickstream.optIn(); clickstream.track('Back In'); await clickstream.flush();`);
    await until(() => named('Back In').length, 1);
    expect(named('While Out')).toEqual([]);
    expect(named('Still Out')).toEqual([]);
    expect(named('page')).toHaveLength(1); // the reload's page view happened while opted out
  });

  it('honours Global Privacy Control when the site asks it to', async () => {
    await context.addInitScript('Object.defineProperty(navigator, "globalPrivacyControl", { value: true })');
    await page.goto(h.page(variant, '/test.html', { 'respect-dnt': 'true' }));
    await cs(`clickstream.track('Tracked?'); await clickstream.flush();`);
    await new Promise((r) => setTimeout(r, 1500));
    expect(h.received).toEqual([]);
    await page.goto(h.page(variant)); // a site that does not honour it
    await until(() => named('page').length, 1);
  });

  it('retries 503 after Retry-After and 5xx with backoff; the same messageId arrives once', async () => {
    h.replies.push([503, 1], [500]);
    await page.goto(h.page(variant, '/test.html', { 'auto-page': 'false' }));
    await cs(`clickstream.track('Retried');`);
    await until(() => named('Retried').length, 1);
    expect(h.replies).toEqual([]); // both failures were consumed before the success
    expect(h.received.flatMap((r) => r.batch).filter((e) => e.event === 'Retried')).toHaveLength(1);
  });

  it('drops a batch refused with 400 and warns in debug mode', async () => {
    const warnings: string[] = [];
    page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
    h.replies.push([400]);
    await page.goto(h.page(variant, '/test.html', { 'auto-page': 'false', debug: 'true' }));
    await cs(
      `clickstream.track('Refused'); await clickstream.flush(); clickstream.track('Next'); await clickstream.flush();`,
    );
    await until(() => named('Next').length, 1);
    expect(named('Refused')).toEqual([]);
    expect(warnings.join('\n')).toContain('HTTP 400');
  });

  it('sends the Segment e-commerce events from the helpers', async () => {
    await page.goto(h.page(variant, '/test.html', { 'auto-page': 'false' }));
    await cs(`const e = clickstream.ecommerce;
      const cup = { product_id: 'cup', sku: 'KIT-001', name: 'Cup', price: 12.9, quantity: 2, currency: 'EUR' };
      e.productViewed(cup); e.productAdded(cup, 'cart-1'); e.productRemoved(cup, 'cart-1'); e.cartViewed([cup], 'cart-1');
      e.checkoutStarted([cup], 'EUR');
      e.orderCompleted({ order_id: 'o-1', revenue: 25.8, currency: 'EUR', products: [cup] });
      await clickstream.flush();`);
    await until(() => named('Order Completed').length, 1);
    const byName = Object.fromEntries(h.events().map((e) => [e.event, e.properties]));
    expect(byName['Product Viewed']).toMatchObject({ product_id: 'cup', price: 12.9 });
    expect(byName['Product Added']).toMatchObject({ product_id: 'cup', cart_id: 'cart-1' });
    expect(byName['Product Removed']).toMatchObject({ product_id: 'cup' });
    expect(byName['Cart Viewed']).toMatchObject({ cart_id: 'cart-1', products: [{ product_id: 'cup' }] });
    expect(byName['Checkout Started']).toMatchObject({ value: 25.8, currency: 'EUR' });
    expect(byName['Order Completed']).toMatchObject({ order_id: 'o-1', revenue: 25.8, currency: 'EUR' });
  });

  it('never breaks the page: collector unreachable, bad arguments, circular properties', async () => {
    await page.route('**/v1/batch', (r) => r.abort());
    await page.goto(h.page(variant));
    const result = await cs(`const o = {}; o.self = o;
      clickstream.track('Circular', o); clickstream.track(); clickstream.identify(); clickstream.page(null, 5);
      await clickstream.flush(); return 'page still fine';`);
    expect(result).toBe('page still fine');
    expect(pageErrors).toEqual([]);
  });
});

describe('async snippet', () => {
  it('replays calls made before the script loaded, in order, without a double page view', async () => {
    const head = `<script>clickstream.identify('early-user'); clickstream.page('Home', { early: true });
      clickstream.track('Early Click');</script>`;
    await page.goto(h.page('snippet', '/test.html', {}, head));
    await until(() => named('Early Click').length, 1);
    await page.waitForTimeout(1200);
    const events = h.events();
    expect(events.map((e) => e.type)).toEqual(['identify', 'page', 'track']);
    expect(events[1]).toMatchObject({ name: 'Home', properties: { early: true }, userId: 'early-user' });
  });
});

describe('offline', () => {
  it('keeps every event while the collector is unreachable and delivers each once it is back', async () => {
    h.down = true;
    await page.goto(h.page('script'));
    await page.click('#buy');
    await page.click('#link'); // a full navigation while offline
    await page.waitForURL('**/other.html*');
    await page.goto(h.page('script', '/third.html'));
    await cs(`clickstream.track('Offline Event', { n: 1 });`);
    await page.waitForTimeout(1500);
    expect(h.received).toEqual([]);
    const queued = (await cs(
      `return Object.keys(localStorage).filter((k) => k.startsWith('cs_e_')).map((k) => JSON.parse(localStorage.getItem(k)).messageId)`,
    )) as string[];
    expect(queued).toHaveLength(6); // 3 page views, 2 clicks, 1 track, kept across 2 navigations
    h.down = false;
    await cs('await clickstream.flush()');
    await until(() => h.events().length, queued.length);
    const ids = h.received.flatMap((r) => r.batch.map((e) => e.messageId));
    expect(new Set(ids)).toEqual(new Set(queued));
    expect(h.events().map((e) => e.event ?? e.type)).toEqual([
      'page',
      'Element Clicked',
      'Element Clicked',
      'page',
      'page',
      'Offline Event',
    ]);
  });
});
