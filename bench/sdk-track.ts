// Main-thread cost of one `clickstream.track()` call in real Chromium (the script-tag build), beside
// two peers measured in the same page and run:
//   - "fetch per event": what a tracker without a queue does (Umami-style), i.e. start a keepalive
//     POST for every event;
//   - "localStorage append": the floor for any tracker that persists its queue (stringify one event
//     and write it).
// Each round clears the queue and makes 20 calls (a realistic queue: the SDK sends every second or
// at 20 events); the table shows the median and p95 per call over the rounds.
//
//   npm run bench:sdk            (ROUNDS=200 by default)
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { launchChromium } from '@clickstream/infra/chromium';
import { buildScriptTag } from '@clickstream/sdk/build';

const ROUNDS = Number(process.env.ROUNDS || 200);
const PER_ROUND = 20;

const script = await buildScriptTag();
const server = createServer((req, res) => {
  if (req.url?.startsWith('/v1/batch')) {
    req.resume();
    res.writeHead(204, { 'access-control-allow-origin': '*' }).end();
  } else if (req.url === '/clickstream.js') {
    res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
  } else {
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end(
        '<!doctype html><title>bench</title><script src="/clickstream.js" data-write-key="wk" data-auto-page="false"></script><button>x</button>',
      );
  }
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  await page.goto(origin);
  // Passed as text: tsx would otherwise add helpers the page does not have.
  const results = (await page.evaluate(`(async () => {
    const rounds = ${ROUNDS}, perRound = ${PER_ROUND};
    const props = { product_id: 'wool-throw', sku: 'HOM-001', name: 'Wool throw', price: 89, currency: 'EUR' };
    const body = (i) => JSON.stringify({ type: 'track', event: 'Product Viewed', properties: { ...props, i } });
    const variants = {
      'clickstream.track()': (i) => clickstream.track('Product Viewed', { ...props, i }),
      'fetch per event (no queue)': (i) => inflight.push(fetch('/v1/batch', {
        method: 'POST', body: body(i), headers: { 'content-type': 'text/plain' }, keepalive: true,
      }).catch(() => {})),
      'localStorage append (floor)': (i) => localStorage.setItem('bench-' + i, body(i)),
    };
    let inflight = [];
    const out = {};
    for (const name of Object.keys(variants)) out[name] = [];
    for (let r = 0; r < rounds; r++) {
      // Interleaved, so noise hits all variants alike; the SDK's queue is sent between rounds.
      for (const [name, fn] of Object.entries(variants)) {
        // Not timed: let the previous variant's requests finish and the SDK send its queue.
        await Promise.all(inflight);
        inflight = [];
        await clickstream.flush();
        const t0 = performance.now();
        for (let i = 0; i < perRound; i++) fn(i);
        out[name].push(((performance.now() - t0) / perRound) * 1000);
      }
    }
    // The worst case: the collector has been unreachable and the queue is full.
    out['track() with 500 queued'] = [];
    clickstream.optOut(); clickstream.optIn();
    const realFetch = window.fetch;
    window.fetch = () => Promise.resolve(new Response('', { status: 503, headers: { 'retry-after': '3600' } }));
    for (let i = 0; i < 500; i++) clickstream.track('Filler', { ...props, i });
    for (let r = 0; r < 20; r++) {
      const t0 = performance.now();
      for (let i = 0; i < perRound; i++) clickstream.track('Product Viewed', { ...props, r, i });
      out['track() with 500 queued'].push(((performance.now() - t0) / perRound) * 1000);
    }
    window.fetch = realFetch;
    return out;
  })()`)) as Record<string, number[]>;

  const pct = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
  };
  const ours = pct(results['clickstream.track()'] ?? [], 50);
  console.log(
    `main-thread cost per call, ${ROUNDS} rounds x ${PER_ROUND} calls, Chromium ${browser.version()}\n`,
  );
  console.log(
    `${'variant'.padEnd(30)} ${'median µs'.padStart(10)} ${'p95 µs'.padStart(8)} ${'vs track()'.padStart(11)}`,
  );
  for (const [name, xs] of Object.entries(results)) {
    const median = pct(xs, 50);
    console.log(
      `${name.padEnd(30)} ${median.toFixed(1).padStart(10)} ${pct(xs, 95).toFixed(1).padStart(8)} ${(median / ours).toFixed(2).padStart(10)}x`,
    );
  }
} finally {
  await browser.close();
  server.close();
}
