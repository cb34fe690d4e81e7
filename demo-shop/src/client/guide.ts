// The brewing guide: a small single-page app bundled from the SDK's npm package (not the script
// tag), routed client-side with pushState/popstate. The SDK counts each route as a page view.
import { init, track } from '@clickstream/sdk';

interface Article {
  readonly slug: string;
  readonly title: string;
  readonly text: string;
  readonly product: string;
}

const ARTICLES: readonly Article[] = [
  {
    slug: 'pour-over',
    title: 'Pour-over in five steps',
    text: 'Rinse the filter, bloom the grounds for 30 seconds, then pour in slow circles.',
    product: 'pour-over-kettle',
  },
  {
    slug: 'espresso-at-home',
    title: 'Espresso at home',
    text: 'Warm the cup first: a cold cup takes the crema and half the aroma with it.',
    product: 'espresso-cup',
  },
  {
    slug: 'caring-for-linen',
    title: 'Caring for linen',
    text: 'Wash cold, dry flat, and never iron it fully dry.',
    product: 'linen-apron',
  },
];

const config = (window as unknown as { shopConfig: { writeKey: string; endpoint: string } }).shopConfig;
init({ writeKey: config.writeKey, endpoint: config.endpoint });

const root = document.getElementById('guide') as HTMLElement;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  attrs: Record<string, string> = {},
) {
  const node = document.createElement(tag);
  if (text) node.textContent = text;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function render(): void {
  const slug = location.pathname.split('/')[2];
  const article = ARTICLES.find((a) => a.slug === slug);
  root.replaceChildren();
  if (!article) {
    document.title = 'Guide · Northwind Goods';
    root.append(el('h1', 'The slow-morning guide'));
    const list = el('ul');
    for (const a of ARTICLES) {
      const item = el('li');
      item.append(el('a', a.title, { href: `/guide/${a.slug}`, 'data-route': '', id: `guide-${a.slug}` }));
      list.append(item);
    }
    root.append(list);
    return;
  }
  document.title = `${article.title} · Northwind Goods`;
  root.append(
    el('h1', article.title),
    el('p', article.text),
    el('a', 'Shop the product', { href: `/products/${article.product}`, id: 'guide-product' }),
    el('p'),
    el('a', 'All articles', { href: '/guide', 'data-route': '', id: 'guide-home' }),
  );
  track('Guide Article Read', { article: article.slug });
}

document.addEventListener('click', (e) => {
  const link = (e.target as Element).closest('a[data-route]') as HTMLAnchorElement | null;
  if (!link) return;
  e.preventDefault();
  history.pushState({}, '', link.href);
  render();
});
addEventListener('popstate', render);
render();
