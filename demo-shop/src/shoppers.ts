// Synthetic shoppers: N visitors browse the demo shop in real Chromium, C at a time, on realistic
// paths (most browse and leave, some add to cart, few buy), so the pipeline gets lifelike traffic.
// Prints how many events of each kind the visits caused, as the collector acknowledged them.
//
//   npm run shoppers -- [--visitors 20] [--concurrency 4] [--url http://127.0.0.1:8080] [--seed 1]
// The shop's URL can also come from SHOP_URL.
import { parseArgs } from 'node:util';
import { launchChromium } from '@clickstream/infra/chromium';
import type { Browser, Page } from 'playwright-core';
import { CATALOG } from './catalog.ts';

const DEVICES = [
  {
    name: 'desktop Chrome',
    userAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    viewport: { width: 1440, height: 900 },
  },
  {
    name: 'desktop Firefox',
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
    viewport: { width: 1280, height: 800 },
  },
  {
    name: 'iPhone Safari',
    userAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
    viewport: { width: 390, height: 844 },
  },
  {
    name: 'Android Chrome',
    userAgent:
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
    viewport: { width: 412, height: 915 },
  },
  {
    name: 'iPad Safari',
    userAgent:
      'Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
    viewport: { width: 820, height: 1180 },
  },
] as const;

const CAMPAIGNS = [
  '',
  '',
  '',
  '?utm_source=newsletter&utm_medium=email&utm_campaign=winter',
  '?gclid=demo-click-1',
];
const SEARCHES = ['kettle', 'linen', 'pen', 'oak', 'teapot'];

/** mulberry32: a small seeded generator, so a run can be repeated. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Tally {
  events: Map<string, string>; // messageId -> kind
  rejected: number;
  orders: number;
}

async function visit(browser: Browser, base: string, random: () => number, tally: Tally): Promise<string> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const device = pick(DEVICES);
  const context = await browser.newContext({ userAgent: device.userAgent, viewport: device.viewport });
  context.on('response', async (res) => {
    if (!res.url().includes('/v1/batch')) return;
    if (!res.ok()) {
      tally.rejected += 1;
      return;
    }
    try {
      const body = JSON.parse(res.request().postData() ?? '{}') as {
        batch?: Array<{ messageId: string; type: string; event?: string }>;
      };
      for (const e of body.batch ?? [])
        tally.events.set(e.messageId, e.type === 'track' ? `${e.event}` : e.type);
    } catch {
      // Not ours.
    }
  });
  const page: Page = await context.newPage();
  const path: string[] = [];
  const go = async (url: string) => {
    await page.goto(new URL(url, base).href);
    path.push(new URL(page.url()).pathname);
  };
  const pause = () => page.waitForTimeout(100 + random() * 400);
  const click = async (selector: string) => {
    await page.click(selector);
    await page.waitForLoadState();
    path.push(new URL(page.url()).pathname);
  };
  try {
    const start = random();
    if (start < 0.55) await go(`/${pick(CAMPAIGNS)}`);
    else if (start < 0.75) await go(`/category/${pick(['kitchen', 'home', 'stationery'])}${pick(CAMPAIGNS)}`);
    else if (start < 0.9) await go(`/search?q=${pick(SEARCHES)}`);
    else {
      await go('/guide');
      await pause();
      await click('#guide-pour-over'); // client-side route
      await pause();
      if (random() < 0.5) await click('#guide-home');
    }
    // Browse 1-4 products; some go into the cart.
    const views = 1 + Math.floor(random() * 4);
    for (let i = 0; i < views; i++) {
      await pause();
      await go(`/products/${pick(CATALOG).id}`);
      if (random() < 0.35) {
        await page.click('#add-to-cart');
        if (random() < 0.6) await click('#go-to-cart');
      }
      if (random() < 0.3) break; // left the site
    }
    const cart = await page.evaluate(`JSON.parse(localStorage.getItem('shop_cart') || '[]').length`);
    if ((cart as number) > 0 && random() < 0.6) {
      await pause();
      if (!page.url().endsWith('/cart')) await go('/cart');
      if (random() < 0.15) await page.click('button.remove');
      const stillFull = await page.evaluate(`JSON.parse(localStorage.getItem('shop_cart') || '[]').length`);
      if ((stillFull as number) > 0 && random() < 0.6) {
        await click('#checkout');
        await pause();
        if (random() < 0.75) {
          await page.click('#place-order');
          await page.waitForURL('**/order/**');
          path.push('/order');
          tally.orders += 1;
        }
      }
    }
    // Leave as a visitor does; give the SDK its usual second to send what is queued.
    await page.evaluate('window.clickstream && window.clickstream.flush && window.clickstream.flush()');
    await page.waitForTimeout(1_200);
  } finally {
    await context.close();
  }
  return `${device.name.padEnd(16)} ${path.join(' > ')}`;
}

async function main() {
  const { values } = parseArgs({
    options: {
      visitors: { type: 'string', default: '20' },
      concurrency: { type: 'string', default: '4' },
      url: { type: 'string', default: process.env.SHOP_URL || 'http://127.0.0.1:8080' },
      seed: { type: 'string', default: String(Date.now() % 100_000) },
    },
  });
  const visitors = Number(values.visitors);
  const concurrency = Math.max(1, Number(values.concurrency));
  const seed = Number(values.seed);
  const base = values.url as string;
  try {
    await fetch(base);
  } catch {
    console.error(`shoppers: the shop is not reachable at ${base}; start it with npm run demo`);
    process.exit(1);
  }
  console.log(`shoppers: ${visitors} visitors, ${concurrency} at a time, on ${base} (seed ${seed})`);
  const browser = await launchChromium();
  const tally: Tally = { events: new Map(), rejected: 0, orders: 0 };
  const random = rng(seed);
  let next = 0;
  let failed = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < visitors) {
        const n = ++next;
        try {
          console.log(`  ${String(n).padStart(3)} ${await visit(browser, base, random, tally)}`);
        } catch (err) {
          failed += 1;
          console.log(
            `  ${String(n).padStart(3)} failed: ${err instanceof Error ? err.message.split('\n')[0] : err}`,
          );
        }
      }
    }),
  );
  await browser.close();
  const counts = new Map<string, number>();
  for (const kind of tally.events.values()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  console.log(
    `\nshoppers: ${visitors - failed} visits, ${tally.orders} orders, ${tally.events.size} events acknowledged ` +
      `by the collector in ${((performance.now() - t0) / 1000).toFixed(1)} s` +
      (tally.rejected ? `, ${tally.rejected} batch(es) refused` : '') +
      (failed ? `, ${failed} visit(s) failed` : ''),
  );
  for (const [kind, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`  ${kind.padEnd(22)} ${n}`);
}

main().catch((err: unknown) => {
  console.error(`shoppers: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
