// One simulated visit to the demo shop, planned in full: the Segment events the shop's own pages
// and the SDK would send (page views with referrer and campaign, autocaptured clicks, the
// e-commerce events, identify at checkout), each with the time it happens. Pure: a Random in, a
// list of events out, so a seed always gives the same visit.
import type { WireEvent } from '@clickstream/schema';
import { CATALOG, type Product } from '../catalog.ts';
import { botOf, SOURCES, type Source, type Visitor } from './audience.ts';
import type { Random } from './random.ts';

export interface PlannedEvent {
  /** Epoch milliseconds when it happens. */
  readonly at: number;
  readonly event: WireEvent;
}

/** How far a visit went (for the generator's own tests and progress lines). */
export interface VisitOutcome {
  readonly bot: boolean;
  readonly bounced: boolean;
  /** 0 none, 1 Product Viewed, 2 Product Added, 3 Checkout Started, 4 Order Completed. */
  readonly funnelStep: number;
  readonly revenue: number;
  readonly currency: string | null;
}

export interface Visit {
  readonly events: readonly PlannedEvent[];
  readonly outcome: VisitOutcome;
}

export const LIBRARY = { name: 'clickstream-simulator', version: '1.0.0' } as const;

/** Prices are EUR cents in the catalogue; other currencies at fixed demo rates. */
const RATES: Readonly<Record<string, number>> = { EUR: 1, GBP: 0.86, USD: 1.08 };
const priceIn = (p: Product, currency: string) => Math.round(p.priceCents * (RATES[currency] ?? 1)) / 100;

const SEARCHES = ['kettle', 'linen', 'pen', 'oak', 'teapot', 'cup', 'notebook', 'gift'];
const CATEGORIES = [
  { slug: 'kitchen', name: 'Kitchen' },
  { slug: 'home', name: 'Home' },
  { slug: 'stationery', name: 'Stationery' },
];

interface Page {
  readonly path: string;
  readonly title: string;
  readonly search?: string;
}

const pages = {
  home: (): Page => ({ path: '/', title: 'Home' }),
  category: (r: Random): Page => {
    const c = r.pick(CATEGORIES);
    return { path: `/category/${c.slug}`, title: c.name };
  },
  product: (p: Product): Page => ({ path: `/products/${p.id}`, title: p.name }),
  search: (q: string): Page => ({ path: '/search', title: 'Search', search: `?q=${q}` }),
  guide: (): Page => ({ path: '/guide', title: 'Guide' }),
  article: (): Page => ({ path: '/guide/pour-over', title: 'Guide' }),
  cart: (): Page => ({ path: '/cart', title: 'Cart' }),
  checkout: (): Page => ({ path: '/checkout', title: 'Checkout' }),
  order: (id: string): Page => ({ path: `/order/${id}`, title: 'Thank you' }),
};

type Landing = 'home' | 'category' | 'product' | 'search' | 'guide';

/** Where a source's visitors land: search and ads on products, email and social on stories. */
function landingFor(source: Source, r: Random): Landing {
  const x = r.next();
  if (source.name === 'direct') return x < 0.7 ? 'home' : x < 0.85 ? 'product' : 'category';
  if (source.utm?.medium === 'cpc' || source.name === 'coffee blog') return x < 0.75 ? 'product' : 'category';
  if (source.utm?.medium === 'email') return x < 0.4 ? 'guide' : x < 0.75 ? 'category' : 'home';
  if (source.referrer && !source.utm)
    return x < 0.45 ? 'product' : x < 0.7 ? 'home' : x < 0.85 ? 'guide' : 'search';
  return x < 0.55 ? 'product' : x < 0.8 ? 'home' : 'category';
}

/** Builds a visit's events in order, keeping the current page for the context of each. */
class VisitWriter {
  readonly events: PlannedEvent[] = [];
  #t: number;
  #page: Page | null = null;
  #url = '';
  readonly #sessionId: string;

  readonly random: Random;
  readonly visitor: Visitor;
  readonly origin: string;

  constructor(random: Random, visitor: Visitor, origin: string, start: number) {
    this.random = random;
    this.visitor = visitor;
    this.origin = origin;
    this.#t = start;
    this.#sessionId = random.uuid();
  }

  get now(): number {
    return this.#t;
  }

  /** Time passes: reading a page (log-normal, median `medianS`), or a short reaction. */
  wait(medianS: number, minS = 1, maxS = 600): void {
    this.#t += Math.round(this.random.logNormal(medianS, 0.8, minS, maxS) * 1000);
  }

  #context(extra: Record<string, unknown> = {}): NonNullable<WireEvent['context']> {
    const v = this.visitor;
    const page = this.#page as Page;
    return {
      page: {
        path: page.path,
        referrer: (extra.referrer as string | undefined) ?? '',
        search: page.search ?? '',
        title: `${page.title} · Northwind Goods`,
        url: this.#url,
      },
      userAgent: v.device.userAgent,
      locale: v.country.locale,
      timezone: v.country.timezone,
      screen: v.device.screen,
      library: LIBRARY,
      ip: v.ip,
      ...(extra.campaign ? { campaign: extra.campaign as Record<string, string> } : {}),
      ...(extra.clickIds ? { clickIds: extra.clickIds as Record<string, string> } : {}),
    };
  }

  #push(partial: Partial<WireEvent> & Pick<WireEvent, 'type'>, context: WireEvent['context']): void {
    const time = new Date(this.#t).toISOString();
    this.events.push({
      at: this.#t,
      event: {
        ...partial,
        messageId: this.random.uuid(),
        anonymousId: this.visitor.anonymousId,
        sessionId: this.#sessionId,
        // A server library replaying what happened: the time is the event's own, taken as is.
        timestamp: time,
        originalTimestamp: time,
        context,
      } as WireEvent,
    });
  }

  /** A page view; `landing` carries the external referrer and the landing URL's campaign. */
  page(
    page: Page,
    landing?: {
      referrer: string;
      query: string;
      campaign?: Record<string, string>;
      clickIds?: Record<string, string>;
    },
  ): void {
    const referrer = landing ? landing.referrer : this.#url;
    const query = [page.search?.slice(1), landing?.query].filter(Boolean).join('&');
    this.#url = `${this.origin}${page.path}${query ? `?${query}` : ''}`;
    this.#page = { ...page, ...(query ? { search: `?${query}` } : {}) };
    this.#push(
      { type: 'page' },
      this.#context({ referrer, campaign: landing?.campaign, clickIds: landing?.clickIds }),
    );
  }

  track(event: string, properties: Record<string, unknown>): void {
    this.#push({ type: 'track', event, properties }, this.#context());
  }

  /** The SDK's autocapture of a link or button click, a moment before what it leads to. */
  click(tag: 'a' | 'button', text: string, selector: string, href?: string): void {
    this.track('Element Clicked', {
      tag,
      text,
      selector,
      ...(href ? { href: `${this.origin}${href}` } : {}),
    });
    this.#t += 150 + this.random.int(600);
  }

  identify(userId: string, traits: Record<string, unknown>): void {
    this.#push({ type: 'identify', userId, traits }, this.#context());
  }
}

const productProps = (p: Product, currency: string, quantity = 1) => ({
  product_id: p.id,
  sku: p.sku,
  name: p.name,
  category: p.category,
  price: priceIn(p, currency),
  currency,
  quantity,
});

export interface PlanOptions {
  /** The shop's origin in page URLs (the demo shop's by default). */
  readonly origin?: string;
  /** Share of visits that are crawlers (default 0.05). */
  readonly botShare?: number;
}

/** A visit by a person (or, `botShare` of the time, a crawler) starting at `start`. */
export function planVisit(random: Random, visitor: Visitor, start: number, opts: PlanOptions = {}): Visit {
  const origin = opts.origin ?? 'http://127.0.0.1:8080';
  if (random.chance(opts.botShare ?? 0.05)) return planCrawl(random, start, origin);
  const w = new VisitWriter(random, visitor, origin, start);
  const currency = visitor.country.currency;
  const source = random.weighted(SOURCES);
  const campaign = source.utm
    ? {
        source: source.utm.source,
        medium: source.utm.medium,
        ...(source.utm.campaign ? { name: source.utm.campaign } : {}),
      }
    : undefined;
  const utmQuery = source.utm
    ? `utm_source=${source.utm.source}&utm_medium=${source.utm.medium}${source.utm.campaign ? `&utm_campaign=${source.utm.campaign}` : ''}`
    : '';
  const clickIds = source.clickId
    ? { [source.clickId[0]]: `${source.clickId[1]}${random.uuid().slice(0, 12)}` }
    : undefined;
  const landingQuery = [utmQuery, clickIds ? Object.entries(clickIds).map(([k, v]) => `${k}=${v}`)[0] : '']
    .filter(Boolean)
    .join('&');
  const landing = { referrer: source.referrer ?? '', query: landingQuery, campaign, clickIds };

  let step = 0;
  const cart: Array<{ product: Product; quantity: number }> = [];
  let onProduct: Product | null = null;
  const viewProduct = (p: Product, first = false) => {
    if (first) w.page(pages.product(p), landing);
    else w.page(pages.product(p));
    w.track('Product Viewed', productProps(p, currency));
    onProduct = p;
    step = Math.max(step, 1);
  };

  const kind = landingFor(source, random);
  if (kind === 'product') viewProduct(random.pick(CATALOG), true);
  else if (kind === 'search') {
    const q = random.pick(SEARCHES);
    w.page(pages.search(q), landing);
    w.track('Products Searched', { query: q, results: random.int(4) });
  } else if (kind === 'guide') w.page(pages.guide(), landing);
  else if (kind === 'category') w.page(pages.category(random), landing);
  else w.page(pages.home(), landing);

  const done = (bounced: boolean, revenue = 0): Visit => ({
    events: w.events,
    outcome: { bot: false, bounced, funnelStep: step, revenue, currency: revenue > 0 ? currency : null },
  });
  if (random.chance(source.bounce)) return done(true);

  // Browse: each step reads the page, then follows a link, adds to the cart, or leaves.
  for (let i = 0; i < 14; i++) {
    w.wait(onProduct ? 35 : 15);
    if (onProduct && random.chance(0.15)) {
      const p = onProduct as Product;
      w.click('button', 'Add to cart', 'button#add-to-cart');
      const quantity = random.chance(0.15) ? 2 : 1;
      const line = cart.find((l) => l.product.id === p.id);
      if (line) line.quantity += quantity;
      else cart.push({ product: p, quantity });
      w.track('Product Added', productProps(p, currency, quantity));
      step = Math.max(step, 2);
      if (random.chance(0.55)) break; // on to the cart
      continue;
    }
    if (random.chance(i === 0 ? 0.12 : 0.26)) return done(false); // left the site
    const next = random.next();
    onProduct = null;
    if (next < 0.62) {
      const p = random.pick(CATALOG);
      w.click('a', p.name, 'a', `/products/${p.id}`);
      viewProduct(p);
    } else if (next < 0.8) {
      const c = pages.category(random);
      w.click('a', c.title, 'a', c.path);
      w.page(c);
    } else if (next < 0.88) {
      w.click('a', 'Northwind Goods', 'a.brand', '/');
      w.page(pages.home());
    } else if (next < 0.95) {
      const q = random.pick(SEARCHES);
      w.page(pages.search(q));
      w.track('Products Searched', { query: q, results: random.int(4) });
    } else {
      w.click('a', 'Guide', 'a', '/guide');
      w.page(pages.guide());
      w.wait(40);
      w.click('a', 'Pour-over in five steps', 'a#guide-pour-over', '/guide/pour-over');
      w.page(pages.article());
      w.track('Guide Article Read', { slug: 'pour-over' });
    }
  }
  if (cart.length === 0 || random.chance(0.3)) return done(false);

  // The cart, the checkout, the order.
  w.wait(3);
  w.click('a', 'View cart', 'a#go-to-cart', '/cart');
  w.page(pages.cart());
  const products = cart.map((l) => productProps(l.product, currency, l.quantity));
  w.track('Cart Viewed', { products });
  w.wait(20);
  if (!random.chance(0.62)) return done(false);
  w.click('a', 'Checkout', 'a#checkout', '/checkout');
  w.page(pages.checkout());
  const revenue = Math.round(products.reduce((s, p) => s + p.price * 100 * p.quantity, 0)) / 100;
  w.track('Checkout Started', { products, value: revenue, revenue, currency });
  step = 3;
  w.wait(60, 15, 900);
  if (!random.chance(0.6)) return done(false);
  const orderId = `o-sim-${random.uuid().slice(0, 13)}`;
  w.click('button', 'Place order', 'button#place-order');
  w.identify(`cust-${visitorHash(w.visitor.anonymousId)}`, { first_order: orderId });
  w.track('Order Completed', { order_id: orderId, total: revenue, revenue, currency, products });
  w.wait(1, 0.3, 3);
  w.page(pages.order(orderId));
  step = 4;
  return done(false, revenue);
}

/** A short stable customer id (FNV-1a), like the shop's own from the checkout email. */
function visitorHash(s: string): string {
  let h = 0x811c9dc5;
  for (const c of s) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h.toString(16);
}

/** A crawler: many page views in quick succession, no clicks, no shopping. */
function planCrawl(random: Random, start: number, origin: string): Visit {
  const w = new VisitWriter(random, botOf(random), origin, start);
  const sitemap: Page[] = [
    pages.home(),
    ...CATEGORIES.map((c) => ({ path: `/category/${c.slug}`, title: c.name })),
    ...CATALOG.map(pages.product),
    pages.guide(),
  ];
  const n = 3 + random.int(14);
  w.page(random.pick(sitemap), { referrer: '', query: '' });
  for (let i = 1; i < n; i++) {
    w.wait(1.5, 0.3, 10);
    w.page(random.pick(sitemap));
  }
  return {
    events: w.events,
    outcome: { bot: true, bounced: n === 1, funnelStep: 0, revenue: 0, currency: null },
  };
}
