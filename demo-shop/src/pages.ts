// Server-rendered pages of the demo shop. Every page loads the SDK by a script tag (as a site owner
// would) and the shop's own script (public/shop.js), which keeps the cart in localStorage and sends
// the Segment e-commerce events.
import { CATALOG, CURRENCY, formatPrice, type Product } from './catalog.ts';

export interface PageOptions {
  /** Collector base URL the SDK posts to. */
  readonly collectorUrl: string;
  readonly writeKey: string;
}

const SHOP_NAME = 'Northwind Goods';

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

const categories = [...new Set(CATALOG.map((p) => p.category))];
const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-');

/**
 * How a page loads the SDK: `script` = the script tag and the e-commerce add-on, as a site owner
 * would paste them; `npm` = a page script bundled from the npm package (the guide, a single-page app).
 */
type SdkUse = 'script' | 'npm';

function layout(
  opts: PageOptions,
  title: string,
  page: string,
  body: string,
  data = '',
  sdk: SdkUse = 'script',
): string {
  const nav = categories.map((c) => `<a href="/category/${slug(c)}">${escapeHtml(c)}</a>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · ${SHOP_NAME}</title>
<link rel="stylesheet" href="/static/shop.css">
${
  sdk === 'script'
    ? `<script src="/sdk/clickstream.js" data-write-key="${escapeHtml(opts.writeKey)}" data-endpoint="${escapeHtml(opts.collectorUrl)}"></script>
<script src="/sdk/clickstream-ecommerce.js"></script>
<script src="/static/shop.js" defer></script>`
    : `<script>window.shopConfig=${JSON.stringify({ writeKey: opts.writeKey, endpoint: opts.collectorUrl }).replace(/</g, '\\u003c')}</script>
<script src="/static/guide.js" defer></script>`
}
</head>
<body>
<header><a class="brand" href="/">${SHOP_NAME}</a><nav>${nav}<a href="/guide">Guide</a></nav>
<form action="/search" role="search"><input id="search" name="q" type="search" placeholder="Search" aria-label="Search"></form>
<a id="cart-link" href="/cart">Cart (<span id="cart-count">0</span>)</a></header>
<main data-page="${page}"${data}>
${body}
</main>
<footer>A demo shop for the clickstream pipeline. Every click here becomes an event.
<button id="privacy" type="button" class="link">Opt out of analytics</button></footer>
</body>
</html>
`;
}

function tile(p: Product): string {
  return `<li class="tile"><a href="/products/${p.id}" data-product-id="${p.id}">
<span class="swatch" style="background:${p.colour}"></span>
<span class="name">${escapeHtml(p.name)}</span><span class="price">${formatPrice(p.priceCents)}</span></a></li>`;
}

export function homePage(opts: PageOptions): string {
  return layout(
    opts,
    'Home',
    'home',
    `<h1>Things for slow mornings</h1><ul class="grid">${CATALOG.map(tile).join('')}</ul>`,
  );
}

export function categoryPage(opts: PageOptions, categorySlug: string): string | undefined {
  const category = categories.find((c) => slug(c) === categorySlug);
  if (!category) return undefined;
  const products = CATALOG.filter((p) => p.category === category);
  return layout(
    opts,
    category,
    'category',
    `<h1>${escapeHtml(category)}</h1><ul class="grid">${products.map(tile).join('')}</ul>`,
    ` data-category="${escapeHtml(category)}"`,
  );
}

/** The product as the shop script sees it (the fields of the e-commerce events). */
export function productData(p: Product) {
  return {
    product_id: p.id,
    sku: p.sku,
    name: p.name,
    category: p.category,
    price: p.priceCents / 100,
    currency: CURRENCY,
  };
}

export function productPage(opts: PageOptions, p: Product): string {
  return layout(
    opts,
    p.name,
    'product',
    `<article class="product">
<span class="swatch large" style="background:${p.colour}"></span>
<div><h1>${escapeHtml(p.name)}</h1><p class="price">${formatPrice(p.priceCents)}</p>
<p>${escapeHtml(p.description)}</p>
<button id="add-to-cart" type="button">Add to cart</button>
<p id="added" hidden>Added. <a id="go-to-cart" href="/cart">View cart</a></p></div>
</article>`,
    ` data-product="${escapeHtml(JSON.stringify(productData(p)))}"`,
  );
}

/** Case-insensitive match on name, category and description. */
export function searchPage(opts: PageOptions, query: string): string {
  const q = query.trim().toLowerCase();
  const hits = q
    ? CATALOG.filter((p) => `${p.name} ${p.category} ${p.description}`.toLowerCase().includes(q))
    : [];
  return layout(
    opts,
    `Search: ${query}`,
    'search',
    `<h1>Search</h1><p id="search-summary">${hits.length} result(s) for “${escapeHtml(query)}”</p>
<ul class="grid">${hits.map(tile).join('')}</ul>`,
    ` data-query="${escapeHtml(query)}" data-results="${hits.length}"`,
  );
}

/** The brewing guide: one HTML page whose routes (/guide, /guide/<article>) are handled client-side. */
export function guidePage(opts: PageOptions): string {
  return layout(opts, 'Guide', 'guide', '<div id="guide"></div>', '', 'npm');
}

export function cartPage(opts: PageOptions): string {
  return layout(
    opts,
    'Cart',
    'cart',
    `<h1>Your cart</h1><table id="cart-lines"></table><p id="cart-total"></p>
<p><a id="checkout" class="button" href="/checkout">Checkout</a></p>`,
  );
}

export function checkoutPage(opts: PageOptions): string {
  return layout(
    opts,
    'Checkout',
    'checkout',
    `<h1>Checkout</h1><p id="checkout-total"></p>
<form id="checkout-form">
<label>Name <input name="name" autocomplete="name" required value="Ada Lovelace"></label>
<label>Email <input name="email" type="email" autocomplete="email" required value="ada@example.com"></label>
<button id="place-order" type="submit">Place order</button>
</form>`,
  );
}

export function orderPage(opts: PageOptions, orderId: string): string {
  return layout(
    opts,
    'Thank you',
    'order',
    `<h1>Thank you!</h1><p>Your order <strong id="order-id">${escapeHtml(orderId)}</strong> is on its way.</p>
<p id="order-total"></p><p><a href="/">Continue shopping</a></p>`,
  );
}

export function notFoundPage(opts: PageOptions): string {
  return layout(opts, 'Not found', 'not-found', '<h1>Not found</h1><p><a href="/">Back to the shop</a></p>');
}
