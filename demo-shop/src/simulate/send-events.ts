// Posts simulated events to the collector like a server-side Segment library: `POST /v1/batch`
// with the write key as HTTP Basic user, at most 500 events or ~400 KB per request, `sentAt` set
// when sending. 429 and 5xx answers (and network errors) are retried with the same events after
// Retry-After or a growing pause, as real clients do. And, as real clients sometimes do after a
// response got lost on the way, a small share of batches that were accepted is sent once more:
// those duplicates (same messageId) are what the pipeline's deduplication is for.
import type { WireEvent } from '@clickstream/schema';
import type { Random } from './random.ts';

export interface SenderOptions {
  /** The collector's base URL, e.g. http://127.0.0.1:8081 */
  readonly collectorUrl: string;
  readonly writeKey: string;
  /** Decides which accepted batches are sent again (deterministic for a seed). */
  readonly random: Random;
  /** Share of accepted batches sent a second time (default 0.02). */
  readonly duplicateShare?: number;
  readonly fetch?: typeof fetch;
  readonly log?: (line: string) => void;
  /** Pauses before retrying (tests make them instant). */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface SendCounts {
  /** Events the collector accepted (first copies and duplicates). */
  accepted: number;
  /** Events sent again after an accepted batch (client retries of a "lost" response). */
  duplicates: number;
  /** Events the collector refused (4xx, or listed as rejected); a bug in the generator if not 0. */
  rejected: number;
  /** Requests repeated after a 429, a 5xx or a network error. */
  retries: number;
  requests: number;
}

const MAX_EVENTS = 500;
const MAX_BYTES = 400_000;
const MAX_ATTEMPTS = 10;

/** Splits events into request-sized batches, keeping their order. */
export function batchesOf(events: readonly WireEvent[]): WireEvent[][] {
  const out: WireEvent[][] = [];
  let current: WireEvent[] = [];
  let bytes = 0;
  for (const e of events) {
    const size = JSON.stringify(e).length + 1;
    if (current.length > 0 && (current.length >= MAX_EVENTS || bytes + size > MAX_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(e);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}

export class EventSender {
  readonly counts: SendCounts = { accepted: 0, duplicates: 0, rejected: 0, retries: 0, requests: 0 };
  readonly #opts: SenderOptions;
  readonly #url: string;
  readonly #auth: string;

  constructor(opts: SenderOptions) {
    this.#opts = opts;
    this.#url = `${opts.collectorUrl.replace(/\/+$/, '')}/v1/batch`;
    this.#auth = `Basic ${Buffer.from(`${opts.writeKey}:`).toString('base64')}`;
  }

  /**
   * Sends `events` in batches, one request at a time, so they reach Kafka in their order: with
   * requests in flight together a later one can land first, move the processor's watermark past
   * the earlier one's events and make them late. Resolves when all are answered.
   */
  async send(events: readonly WireEvent[]): Promise<void> {
    for (const batch of batchesOf(events)) await this.#sendBatch(batch);
  }

  async #sendBatch(batch: WireEvent[]): Promise<void> {
    const ok = await this.#post(batch);
    if (ok && this.#opts.random.chance(this.#opts.duplicateShare ?? 0.02)) {
      this.counts.duplicates += batch.length;
      await this.#post(batch);
    }
  }

  /** One request until answered for good; true when the collector took the events. */
  async #post(batch: WireEvent[]): Promise<boolean> {
    const doFetch = this.#opts.fetch ?? fetch;
    const sleep = this.#opts.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    for (let attempt = 1; ; attempt++) {
      this.counts.requests++;
      let status = 0;
      let retryAfterS = Number.NaN;
      let body: { accepted?: number; rejected?: unknown[] } = {};
      let problem = '';
      try {
        const res = await doFetch(this.#url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: this.#auth },
          body: JSON.stringify({ batch, sentAt: new Date().toISOString() }),
        });
        status = res.status;
        retryAfterS = Number(res.headers.get('retry-after'));
        const text = await res.text();
        try {
          body = JSON.parse(text);
        } catch {
          problem = text.slice(0, 200);
        }
        problem ||= text.slice(0, 200);
      } catch (err) {
        problem = err instanceof Error ? err.message : String(err);
      }
      if (status >= 200 && status < 300) {
        this.counts.accepted += body.accepted ?? batch.length;
        this.counts.rejected += body.rejected?.length ?? 0;
        if (body.rejected?.length)
          this.#opts.log?.(`collector rejected ${body.rejected.length} event(s): ${problem}`);
        return true;
      }
      const retriable = status === 0 || status === 408 || status === 429 || status >= 500;
      if (!retriable || attempt >= MAX_ATTEMPTS) {
        this.counts.rejected += batch.length;
        const hint =
          status === 401
            ? ' (the collector needs a site with this write key and "trustContextIp": true; npm run demo configures demo-shop-server-key)'
            : '';
        this.#opts.log?.(
          `collector answered ${status || 'nothing'} for ${batch.length} event(s): ${problem}${hint}`,
        );
        return false;
      }
      this.counts.retries++;
      const backoff = Math.min(10_000, 250 * 2 ** (attempt - 1));
      await sleep(Number.isFinite(retryAfterS) && retryAfterS > 0 ? retryAfterS * 1000 : backoff);
    }
  }
}
