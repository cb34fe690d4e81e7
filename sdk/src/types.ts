// The public types of the npm package (no imports, so its .d.ts stands alone).

/** Event properties or user traits: any JSON-serialisable values. */
export type Properties = Record<string, unknown>;

export interface InitOptions {
  /** The site's write key (from the collector's configuration). */
  readonly writeKey: string;
  /** Collector base URL, e.g. `https://collect.example.com`. */
  readonly endpoint: string;
  /** Page views on single-page-app route changes (default true); the entry sends the first one. */
  readonly autoPage?: boolean;
  /** Clicks on links, buttons and `[data-track]` elements (default true). */
  readonly autocapture?: boolean;
  /** Honour Do-Not-Track and Global Privacy Control (default false); `optIn()` overrides. */
  readonly respectDoNotTrack?: boolean;
  /** How often queued events are sent (default 1000 ms). */
  readonly flushIntervalMs?: number;
  /** Send as soon as this many events are queued (default 20). */
  readonly flushAt?: number;
  /** Warn in the console about dropped events and refused batches. */
  readonly debug?: boolean;
}
