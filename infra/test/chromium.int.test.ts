// Real Chromium (Debian's, through playwright-core) posts to a local server: the harness that
// the SDK and demo-shop browser tests build on.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../src/chromium.ts';

const PAGE = `<!doctype html><title>smoke</title><button id="b">Buy</button><script>
document.getElementById('b').addEventListener('click', () => {
  fetch('/collect', { method: 'POST', headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ type: 'track', event: 'Clicked', ua: navigator.userAgent }) });
});
</script>`;

describe('Chromium (real browser)', () => {
  const received: string[] = [];
  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/collect') {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push(body);
        res.writeHead(204).end();
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
  });
  let origin = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('loads a page, clicks, and the POST body reaches the server', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(origin);
      const sent = page.waitForRequest((r) => r.url().endsWith('/collect'));
      await page.click('#b');
      const request = await sent;
      expect(JSON.parse(request.postData() ?? '{}')).toMatchObject({ type: 'track', event: 'Clicked' });
      await expect.poll(() => received.length).toBe(1);
      expect(JSON.parse(received[0] ?? '{}').ua).toMatch(/HeadlessChrome\/\d+/);
    } finally {
      await browser.close();
    }
  });
});
