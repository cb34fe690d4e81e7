// The npm entry: `import { init, track } from '@clickstream/sdk'`. Calls made before `init` are
// kept and replayed by it, in order. Every function is safe to call in any state.
import { install } from './install.ts';
import type { Tracker } from './tracker.ts';
import type { InitOptions, Properties } from './types.ts';

export type { InitOptions, Properties };

let tracker: Tracker | undefined;
const pending: Array<(t: Tracker) => void> = [];
const call = (fn: (t: Tracker) => void) => (tracker ? fn(tracker) : void pending.push(fn));

/** Starts tracking: the first page view (unless `autoPage: false`), SPA routes, clicks. Once. */
export function init(options: InitOptions): void {
  if (tracker || typeof window === 'undefined') return;
  try {
    tracker = install(options);
    const queued = pending.splice(0);
    for (const fn of queued) fn(tracker);
    // One page view on load, unless a queued call already sent one.
    if (options.autoPage !== false && !pagedEarly) tracker.page();
  } catch {
    // Never break the host page.
  }
}

let pagedEarly = false;
export const page = (name?: string, properties?: Properties): void => {
  if (!tracker) pagedEarly = true;
  call((t) => t.page(name, properties));
};
export const track = (event: string, properties?: Properties): void =>
  call((t) => t.track(event, properties));
export const identify = (userId: string, traits?: Properties): void =>
  call((t) => t.identify(userId, traits));
export const reset = (): void => call((t) => t.reset());
export const optOut = (): void => call((t) => t.optOut());
export const optIn = (): void => call((t) => t.optIn());
export const flush = (): Promise<void> => (tracker ? tracker.flush() : Promise.resolve());
