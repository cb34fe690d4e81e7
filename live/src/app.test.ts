import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLiveHandler, siteOf } from './app.ts';
import { fillMinutes, type Snapshot } from './snapshot.ts';
import type { SseClient } from './sse.ts';

const snapshotOf = (site: string): Snapshot => ({
  site,
  at: '2026-12-01T10:00:00.000Z',
  currentVisitors: 3,
  minutes: fillMinutes([], '2026-12-01T10:00:00.000Z'),
  topPages: [{ path: '/', pageViews: 2 }],
  today: { events: 9, pageViews: 4, clicks: 2, visitors: 3, orders: 1 },
  revenueToday: [{ currency: 'EUR', orders: 1, revenue: '89.000000' }],
});

describe('the live HTTP handler', () => {
  let server: Server;
  let base: string;
  const subscribed: string[] = [];

  beforeAll(async () => {
    server = createServer(
      createLiveHandler({
        defaultSite: 'demo-shop',
        assets: { '/static/live.js': { type: 'text/javascript', body: 'console.log(1)' } },
        hub: {
          subscribe: (site: string, client: SseClient) => {
            subscribed.push(site);
            client.send('snapshot', snapshotOf(site));
            return () => {};
          },
          status: () => ({ ok: true, message: 'live' }),
          viewers: () => ({}),
        },
        readSnapshot: async (site) => {
          if (site === 'broken') throw new Error('database down');
          return snapshotOf(site);
        },
        listSites: async () => ['blog', 'demo-shop'],
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('serves the page for the default site or ?site=, escaped', async () => {
    const page = await (await fetch(`${base}/`)).text();
    expect(page).toContain('data-site="demo-shop"');
    const other = await (await fetch(`${base}/?site=${encodeURIComponent('<b>"x"</b>')}`)).text();
    expect(other).toContain('data-site="&lt;b&gt;&quot;x&quot;&lt;/b&gt;"');
    expect(other).not.toContain('<b>"x"');
  });

  it('streams server-sent events: the snapshot first', async () => {
    const ac = new AbortController();
    const res = await fetch(`${base}/events?site=blog`, { signal: ac.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('event: snapshot')) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toMatch(/^retry: 2000\n\n/);
    expect(text).toContain(`data: ${JSON.stringify(snapshotOf('blog'))}`);
    expect(subscribed).toEqual(['blog']);
    ac.abort();
  });

  it('answers JSON reads, and 503 with the reason when the database fails', async () => {
    expect(await (await fetch(`${base}/api/snapshot?site=x`)).json()).toEqual(snapshotOf('x'));
    expect(await (await fetch(`${base}/api/sites`)).json()).toEqual(['blog', 'demo-shop']);
    const broken = await fetch(`${base}/api/snapshot?site=broken`);
    expect([broken.status, await broken.json()]).toEqual([
      503,
      { error: 'unavailable', message: 'database down' },
    ]);
    expect(await (await fetch(`${base}/health`)).json()).toEqual({
      status: 'ok',
      live: { ok: true, message: 'live' },
      viewers: {},
    });
  });

  it('serves the bundle; 404, 405 and 400 otherwise', async () => {
    expect(await (await fetch(`${base}/static/live.js`)).text()).toBe('console.log(1)');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${base}/events?site=${'x'.repeat(201)}`)).status).toBe(400);
  });
});

describe('siteOf', () => {
  it('takes ?site=, trimmed, else the default', () => {
    expect(siteOf(new URL('http://x/?site=%20blog%20'), 'd')).toBe('blog');
    expect(siteOf(new URL('http://x/'), 'd')).toBe('d');
    expect(siteOf(new URL('http://x/?site=a%0Ab'), 'd')).toBeNull();
  });
});
