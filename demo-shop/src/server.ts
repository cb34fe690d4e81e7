// The demo shop's HTTP server (node:http, no framework): server-rendered pages, the shop script and
// stylesheet, and the SDK's script-tag build at /sdk/clickstream.js, built from sdk/ at start-up.
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { buildEcommerceScript, buildScriptTag, bundleFile } from '@clickstream/sdk/build';
import { productById } from './catalog.ts';
import {
  cartPage,
  categoryPage,
  checkoutPage,
  guidePage,
  homePage,
  notFoundPage,
  orderPage,
  type PageOptions,
  productPage,
  searchPage,
} from './pages.ts';

export interface ShopOptions extends PageOptions {
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
}

export interface Shop {
  /** e.g. http://127.0.0.1:8080 */
  readonly url: string;
  close(): Promise<void>;
}

const publicFile = (name: string) => readFileSync(new URL(`../public/${name}`, import.meta.url), 'utf8');

export async function startShop(opts: ShopOptions): Promise<Shop> {
  const assets: Record<string, { type: string; body: string }> = {
    '/sdk/clickstream.js': { type: 'text/javascript', body: await buildScriptTag() },
    '/sdk/clickstream-ecommerce.js': { type: 'text/javascript', body: await buildEcommerceScript() },
    // The guide bundles the SDK's npm entry, as an app would.
    '/static/guide.js': {
      type: 'text/javascript',
      body: await bundleFile(fileURLToPath(new URL('./client/guide.ts', import.meta.url))),
    },
    '/static/shop.js': { type: 'text/javascript', body: publicFile('shop.js') },
    '/static/shop.css': { type: 'text/css', body: publicFile('shop.css') },
  };
  const html = (res: ServerResponse, status: number, body: string) =>
    res
      .writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      .end(body);

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://shop');
    const path = url.pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const asset = assets[path];
    if (asset) {
      res.writeHead(200, { 'content-type': `${asset.type}; charset=utf-8` }).end(asset.body);
      return;
    }
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    let parts: string[];
    try {
      parts = path.split('/').map((s) => decodeURIComponent(s));
    } catch {
      html(res, 400, notFoundPage(opts)); // malformed %-escape
      return;
    }
    const [, first, second] = parts;
    let page: string | undefined;
    if (path === '/') page = homePage(opts);
    else if (first === 'category' && second) page = categoryPage(opts, second);
    else if (first === 'products' && second) {
      const product = productById(second);
      page = product && productPage(opts, product);
    } else if (path === '/search') page = searchPage(opts, url.searchParams.get('q') ?? '');
    else if (first === 'guide') page = guidePage(opts);
    else if (path === '/cart') page = cartPage(opts);
    else if (path === '/checkout') page = checkoutPage(opts);
    else if (first === 'order' && second) page = orderPage(opts, second);
    if (page === undefined) html(res, 404, notFoundPage(opts));
    else html(res, 200, page);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
