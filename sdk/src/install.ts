// Wires a tracker into the page; shared by the script tag and the npm entry:
// - flushes every `flushIntervalMs` and, through the beacon path, when the page is hidden or left;
// - automatic page views, including single-page-app routes (pushState, replaceState, popstate,
//   hash changes), counted once per URL change;
// - click autocapture of links, buttons and elements marked `data-track="Event Name"`: text, a
//   short selector and the href. Never the value of a form field.
import { browserContext, browserDoNotTrack, browserStorage, browserTransport } from './browser.ts';
import { createTracker, type Tracker } from './tracker.ts';
import type { InitOptions } from './types.ts';

export type { InitOptions };

const CLICKABLE = 'a,button,[data-track],input[type=submit],input[type=button]';

function selectorOf(el: Element): string {
  const tag = el.tagName.toLowerCase();
  if (el.id) return `${tag}#${el.id}`;
  const classes = [...el.classList].slice(0, 2);
  return classes.length ? `${tag}.${classes.join('.')}` : tag;
}

export function install(opts: InitOptions): Tracker {
  const tracker = createTracker({
    writeKey: opts.writeKey,
    endpoint: opts.endpoint,
    transport: browserTransport,
    storage: browserStorage,
    context: browserContext,
    doNotTrack: !!opts.respectDoNotTrack && browserDoNotTrack(),
    ...(opts.flushAt ? { flushAt: opts.flushAt } : {}),
    debug: !!opts.debug,
  });
  setInterval(() => void tracker.flush(), opts.flushIntervalMs ?? 1_000);
  addEventListener('pagehide', () => void tracker.flush(true));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') void tracker.flush(true);
  });

  if (opts.autoPage !== false) {
    let url = location.href;
    const onRoute = () =>
      setTimeout(() => {
        if (location.href !== url) {
          url = location.href;
          tracker.page();
        }
      });
    for (const method of ['pushState', 'replaceState'] as const) {
      const original = history[method];
      history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
        const result = original.apply(this, args);
        onRoute();
        return result;
      };
    }
    addEventListener('popstate', onRoute);
    addEventListener('hashchange', onRoute);
  }

  if (opts.autocapture !== false) {
    document.addEventListener(
      'click',
      (e) => {
        try {
          const el = (e.target as Element | null)?.closest?.(CLICKABLE) as HTMLElement | null;
          if (!el) return;
          // Form fields give no text at all, except the label of a submit or button input.
          const field = /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName);
          const label = field
            ? /^(submit|button)$/.test((el as HTMLInputElement).type)
              ? (el as HTMLInputElement).value
              : ''
            : el.textContent || el.getAttribute('aria-label') || '';
          const text = label.replace(/\s+/g, ' ').trim().slice(0, 100);
          const href = el.getAttribute('href');
          tracker.track(el.dataset.track || 'Element Clicked', {
            tag: el.tagName.toLowerCase(),
            text,
            selector: selectorOf(el),
            ...(href ? { href: (el as HTMLAnchorElement).href } : {}),
          });
        } catch {
          // Never break the host page.
        }
      },
      true,
    );
  }
  return tracker;
}

/** A call made before the tracker existed: method name and arguments (the snippet's format). */
export type Call = [method: string, ...args: unknown[]];

/**
 * Replays calls made before the tracker existed, in order, then sends the load page view unless
 * one of them was a page view (so it is never counted twice). Shared by both entries.
 */
export function replay(tracker: Tracker, calls: readonly Call[], autoPage: boolean): void {
  const api = tracker as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const [method, ...args] of calls) api[method]?.(...args);
  if (autoPage && !calls.some(([method]) => method === 'page')) tracker.page();
}
