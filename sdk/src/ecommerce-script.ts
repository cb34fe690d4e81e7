// Entry point of clickstream-ecommerce.js (IIFE), loaded after clickstream.js:
// adds `clickstream.ecommerce.productViewed(...)` and the other helpers.
import { ecommerce } from './ecommerce.ts';

(() => {
  const w = window as unknown as { clickstream?: { track?: (...a: never[]) => void; ecommerce?: unknown } };
  const cs = w.clickstream;
  if (cs && typeof cs.track === 'function') {
    cs.ecommerce = ecommerce((event, properties) =>
      (cs.track as (e: string, p?: unknown) => void)(event, properties),
    );
  }
})();
