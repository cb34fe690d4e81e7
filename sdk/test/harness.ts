// Browser-test harness for the SDK: one local server that is both the site (test pages using the
// script-tag build, the async snippet, or the npm build bundled into a page script) and a stub
// collector that records every batch it receives and answers with scripted statuses.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAll, bundleFile } from '../src/build.ts';

export interface Received {
  readonly batch: Array<Record<string, unknown> & { messageId: string }>;
  readonly writeKey?: string;
  readonly sentAt?: string;
}

export type Variant = 'script' | 'npm';

/** The body every test page shares: links, buttons, a form with a password, SPA controls. */
const BODY = `<h1>Test page</h1>
<a id="link" class="nav primary" href="/other.html">Other page</a>
<button id="buy" type="button">Buy <b>now</b></button>
<div id="marked" data-track="Newsletter Signup">Sign up</div>
<form id="form" onsubmit="return false"><input id="email" name="email" value="secret@example.com">
<input id="password" type="password" data-track="Password Field" value="hunter2">
<input id="submit" type="submit" value="Send"></form>
<button id="push" type="button" onclick="history.pushState({}, '', '/spa/a')">push</button>
<button id="replace" type="button" onclick="history.replaceState({}, '', location.href)">replace</button>
<a id="hash" href="#section">hash</a>`;

export class Harness {
  readonly received: Received[] = [];
  /** While true the collector is unreachable: connections to /v1/batch are cut (beacons too). */
  down = false;
  /** Statuses to answer with, in order; then 200. `[503, 2]` = 503 with Retry-After: 2. */
  readonly replies: Array<[number, number?]> = [];
  origin = '';
  private readonly dir = mkdtempSync(join(tmpdir(), 'sdk-test-'));
  private files: Record<string, string> = {};
  private npmPage = '';
  // A browser may give up on a request mid-body (a page closed or navigated while it sent): the
  // body is then incomplete and not recorded, as a real collector would not store it.
  private readonly server = createServer((req, res) =>
    this.handle(req, res).catch(() => req.socket.destroy()),
  );

  async start(): Promise<void> {
    this.files = await buildAll();
    for (const [name, text] of Object.entries(this.files)) writeFileSync(join(this.dir, name), text);
    // The npm build as an app would use it: a page script importing the ESM entry, bundled.
    const entry = join(this.dir, 'app.mjs');
    writeFileSync(
      entry,
      `import * as cs from './index.mjs';
import { ecommerce } from './ecommerce.mjs';
cs.track('Before Init', { queued: true }); // kept and replayed by init
cs.init(window.__csConfig);
window.clickstream = Object.assign({}, cs, { ecommerce: ecommerce(cs.track) });`,
    );
    this.npmPage = await bundleFile(entry);
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** All events received, in arrival order, one per messageId (the pipeline deduplicates too). */
  events(): Array<Record<string, unknown> & { messageId: string }> {
    const seen = new Set<string>();
    return this.received
      .flatMap((r) => r.batch)
      .filter((e) => {
        if (seen.has(e.messageId)) return false;
        seen.add(e.messageId);
        return true;
      });
  }

  /** URL of a test page for a build; `attrs` become data-* options (script) or init options (npm). */
  page(
    variant: Variant | 'snippet',
    path = '/test.html',
    attrs: Record<string, string> = {},
    head = '',
  ): string {
    const q = new URLSearchParams({ variant, attrs: JSON.stringify(attrs), head });
    return `${this.origin}${path}${path.includes('?') ? '&' : '?'}${q}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    if (url.pathname === '/v1/batch') {
      if (this.down) {
        req.socket.destroy();
        return;
      }
      res.setHeader('access-control-allow-origin', req.headers.origin ?? '*');
      if (req.method === 'OPTIONS') {
        res.writeHead(204).end();
        return;
      }
      let body = '';
      for await (const chunk of req) body += chunk;
      const [status, retryAfter] = this.replies.shift() ?? [200];
      if (status >= 200 && status < 300) this.received.push(JSON.parse(body) as Received);
      if (retryAfter) res.setHeader('retry-after', String(retryAfter));
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    if (url.pathname === '/clickstream.js' || url.pathname === '/clickstream-ecommerce.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(this.files[url.pathname.slice(1)]);
      return;
    }
    if (url.pathname === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(this.npmPage);
      return;
    }
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const variant = url.searchParams.get('variant') ?? 'script';
    const attrs = JSON.parse(url.searchParams.get('attrs') ?? '{}') as Record<string, string>;
    const head = url.searchParams.get('head') ?? '';
    const dataAttrs = Object.entries({ 'write-key': 'wk', endpoint: this.origin, ...attrs })
      .map(([k, v]) => `data-${k}="${v}"`)
      .join(' ');
    let tags = '';
    if (variant === 'script') {
      tags = `<script src="/clickstream.js" ${dataAttrs}></script><script src="/clickstream-ecommerce.js"></script>`;
    } else if (variant === 'snippet') {
      tags = `<script>window.clickstream=window.clickstream||[];["track","page","identify","reset","optOut","optIn","flush"].forEach(function(m){clickstream[m]=clickstream[m]||function(){clickstream.push([m].concat([].slice.call(arguments)))}});</script>
${head}<script async src="/clickstream.js" ${dataAttrs}></script>`;
    } else {
      const options: Record<string, unknown> = { writeKey: 'wk', endpoint: this.origin };
      for (const [k, v] of Object.entries(attrs)) {
        const key =
          {
            'auto-page': 'autoPage',
            autocapture: 'autocapture',
            'respect-dnt': 'respectDoNotTrack',
            debug: 'debug',
          }[k] ?? k;
        options[key] = v === 'true' ? true : v === 'false' ? false : v;
      }
      tags = `<script>window.__csConfig=${JSON.stringify(options)}</script><script src="/app.js"></script>`;
    }
    if (variant !== 'snippet') tags = head + tags;
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      .end(`<!doctype html><html><head><title>SDK test</title>${tags}</head><body>${BODY}</body></html>`);
  }
}
