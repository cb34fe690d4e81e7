// The browser's side of the tracker: fetch/sendBeacon transport (JSON as text/plain, so no CORS
// preflight), localStorage, and page facts.
import type { WireEvent } from '@clickstream/schema';
import type { KeyValueStore, Transport } from './tracker.ts';

export const browserTransport: Transport = {
  async send(url, body) {
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain' },
      keepalive: body.length < 60_000,
      credentials: 'omit',
    });
    return res.ok;
  },
  beacon(url, body) {
    return (
      typeof navigator.sendBeacon === 'function' &&
      navigator.sendBeacon(url, new Blob([body], { type: 'text/plain' }))
    );
  },
};

const memory = new Map<string, string>();
export const browserStorage: KeyValueStore = {
  get(key) {
    try {
      return localStorage.getItem(key);
    } catch {
      return memory.get(key) ?? null;
    }
  },
  set(key, value) {
    try {
      localStorage.setItem(key, value);
    } catch {
      memory.set(key, value);
    }
  },
};

export function pageContext(): NonNullable<WireEvent['context']> {
  const params = new URLSearchParams(location.search);
  const campaign: Record<string, string> = {};
  for (const [param, field] of [
    ['utm_source', 'source'],
    ['utm_medium', 'medium'],
    ['utm_campaign', 'name'],
    ['utm_term', 'term'],
    ['utm_content', 'content'],
  ] as const) {
    const v = params.get(param);
    if (v) campaign[field] = v;
  }
  return {
    page: {
      path: location.pathname,
      referrer: document.referrer,
      search: location.search,
      title: document.title,
      url: location.href,
    },
    ...(Object.keys(campaign).length ? { campaign } : {}),
    userAgent: navigator.userAgent,
    locale: navigator.language,
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    screen: { width: screen.width, height: screen.height, density: devicePixelRatio },
  };
}
