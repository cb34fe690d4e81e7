// The page script of analytics-next.int.test.ts: Segment's browser library from npm, bundled for the
// browser, configured the way a site that does not use Segment's CDN configures it: the settings
// object the CDN would serve is given inline (`cdnSettings`), and the Segment.io destination sends
// to the collector (`apiHost`, `protocol`). Nothing is fetched from cdn.segment.com or sent to
// api.segment.io: the library's own usage metrics are off (`metrics.sampleRate: 0`).
import { AnalyticsBrowser } from '@segment/analytics-next';

export interface SegmentPageOptions {
  readonly writeKey: string;
  /** host:port/v1 of the collector. */
  readonly apiHost: string;
  readonly batching: boolean;
}

declare global {
  interface Window {
    startSegment(options: SegmentPageOptions): void;
    segment: AnalyticsBrowser;
  }
}

window.startSegment = ({ writeKey, apiHost, batching }) => {
  window.segment = AnalyticsBrowser.load(
    {
      writeKey,
      cdnSettings: {
        integrations: { 'Segment.io': { apiKey: writeKey } },
        metrics: { sampleRate: 0 },
      },
    },
    {
      integrations: {
        'Segment.io': {
          apiHost,
          protocol: 'http',
          ...(batching
            ? { deliveryStrategy: { strategy: 'batching', config: { size: 10, timeout: 300 } } }
            : {}),
        },
      },
    },
  );
};
