// Entry point of the script-tag build (IIFE):
//   <script src=".../clickstream.js" data-write-key="KEY" data-endpoint="https://collector"></script>
// Sends a page view on load, flushes every second and when the page is hidden, and exposes
// window.clickstream (track, page, identify, flush).
import { browserStorage, browserTransport, pageContext } from './browser.ts';
import { createTracker } from './tracker.ts';

(() => {
  try {
    const script = document.currentScript as HTMLScriptElement | null;
    const writeKey = script?.dataset.writeKey ?? '';
    const endpoint = script?.dataset.endpoint ?? (script ? new URL(script.src).origin : location.origin);
    const tracker = createTracker({
      writeKey,
      endpoint,
      transport: browserTransport,
      storage: browserStorage,
      pageContext,
    });
    (window as unknown as { clickstream: typeof tracker }).clickstream = tracker;
    if (script?.dataset.autoPage !== 'false') tracker.page();
    setInterval(() => void tracker.flush(), 1_000);
    addEventListener('pagehide', () => void tracker.flush(true));
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'hidden') void tracker.flush(true);
    });
  } catch {
    // Never break the host page.
  }
})();
