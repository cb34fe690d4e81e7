// The npm entry: `import { init, track } from '@clickstream/sdk'`. Calls made before `init` are
// kept and replayed by it, in order. Every function is safe to call in any state.
import { type Call, install, replay } from './install.ts';
import type { Tracker } from './tracker.ts';
import type { InitOptions, Properties } from './types.ts';

export type { InitOptions, Properties };

let tracker: Tracker | undefined;
const pending: Call[] = [];
const call = (method: keyof Tracker, ...args: unknown[]): void => {
  if (!tracker) {
    pending.push([method, ...args]);
    return;
  }
  (tracker[method] as (...a: unknown[]) => unknown)(...args);
};

/** Starts tracking: the first page view (unless `autoPage: false`), SPA routes, clicks. Once. */
export function init(options: InitOptions): void {
  if (tracker || typeof window === 'undefined') return;
  try {
    tracker = install(options);
    replay(tracker, pending.splice(0), options.autoPage !== false);
  } catch {
    // Never break the host page.
  }
}

export const page = (name?: string, properties?: Properties): void => call('page', name, properties);
export const track = (event: string, properties?: Properties): void => call('track', event, properties);
export const identify = (userId: string, traits?: Properties): void => call('identify', userId, traits);
export const reset = (): void => call('reset');
export const optOut = (): void => call('optOut');
export const optIn = (): void => call('optIn');
export const flush = (): Promise<void> => (tracker ? tracker.flush() : Promise.resolve());
