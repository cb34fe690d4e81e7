// Entry point of the script-tag build (IIFE). Either
//   <script src=".../clickstream.js" data-write-key="KEY" data-endpoint="https://collector"></script>
// or asynchronously, after the snippet (sdk/README.md) that queues calls made before the script
// loads; they are replayed in order. Options: data-auto-page, data-autocapture ("false" turns them
// off), data-respect-dnt ("true"), data-debug ("true").
import { type Call, install, replay } from './install.ts';

(() => {
  try {
    const w = window as unknown as { clickstream?: unknown };
    const pending = (Array.isArray(w.clickstream) ? w.clickstream : []) as Call[];
    const script = document.currentScript as HTMLScriptElement | null;
    const data = script?.dataset ?? {};
    const tracker = install({
      writeKey: data.writeKey ?? '',
      endpoint: data.endpoint ?? (script ? new URL(script.src).origin : location.origin),
      autoPage: data.autoPage !== 'false',
      autocapture: data.autocapture !== 'false',
      respectDoNotTrack: data.respectDnt === 'true',
      debug: data.debug === 'true',
    });
    w.clickstream = tracker;
    replay(tracker, pending, data.autoPage !== 'false');
  } catch {
    // Never break the host page.
  }
})();
