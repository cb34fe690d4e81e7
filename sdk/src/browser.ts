// The browser's side of the tracker: fetch/sendBeacon transport (JSON as text/plain, so no CORS
// preflight), localStorage (memory when blocked), page facts with UTM parameters and ad click ids,
// and the Do-Not-Track / Global Privacy Control signals.
import type { Context, KeyValueStore, Transport } from './tracker.ts';

export const browserTransport: Transport = {
  async send(url, body) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'text/plain' },
        keepalive: body.length < 60_000,
        credentials: 'omit',
      });
      const retryAfter = Number(res.headers.get('retry-after'));
      return [res.status, retryAfter > 0 ? retryAfter * 1000 : undefined];
    } catch {
      return [0];
    }
  },
  beacon(url, body) {
    try {
      return navigator.sendBeacon(url, new Blob([body], { type: 'text/plain' }));
    } catch {
      return false;
    }
  },
};

// localStorage, with memory for what it refuses (blocked, private mode, quota exceeded).
const memory = new Map<string, string>();
const attempt = <T>(fn: () => T, fallback: T): T => {
  try {
    return fn();
  } catch {
    return fallback;
  }
};
export const browserStorage: KeyValueStore = {
  get: (key) => memory.get(key) ?? attempt(() => localStorage.getItem(key), null),
  set(key, value) {
    try {
      localStorage.setItem(key, value);
    } catch {
      memory.set(key, value);
    }
  },
  remove(key) {
    memory.delete(key);
    attempt(() => localStorage.removeItem(key), undefined);
  },
  keys: () => [...memory.keys(), ...attempt(() => Object.keys(localStorage), [])],
};

const CAMPAIGN = ['source', 'medium', 'campaign', 'term', 'content'];
const CLICK_IDS = [
  'gclid',
  'gbraid',
  'wbraid',
  'dclid',
  'fbclid',
  'msclkid',
  'ttclid',
  'li_fat_id',
  'twclid',
];

// Read once: Intl.DateTimeFormat() costs ~0.25 ms per call, and the zone does not change in a page.
let timezone: string | undefined;

export function browserContext(): Context {
  timezone ??= Intl.DateTimeFormat().resolvedOptions().timeZone;
  const params = new URLSearchParams(location.search);
  const pick = (names: string[], prefix: string) => {
    const out: Record<string, string> = {};
    for (const n of names) {
      const v = params.get(prefix + n);
      if (v) out[n === 'campaign' ? 'name' : n] = v;
    }
    return Object.keys(out).length ? out : undefined;
  };
  return {
    page: {
      path: location.pathname,
      referrer: document.referrer,
      search: location.search,
      title: document.title,
      url: location.href,
    },
    campaign: pick(CAMPAIGN, 'utm_'),
    clickIds: pick(CLICK_IDS, ''),
    userAgent: navigator.userAgent,
    locale: navigator.language,
    timezone,
    screen: { width: screen.width, height: screen.height, density: devicePixelRatio },
  };
}

/** Do-Not-Track or Global Privacy Control is on. */
export const browserDoNotTrack = (): boolean =>
  navigator.doNotTrack === '1' ||
  (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl === true;
