// Token buckets keyed by a string (a client IP, a site): each holds up to `perMinute` tokens and
// refills continuously at `perMinute` per minute, so a client may burst up to a minute's budget and
// then goes at the steady rate. The clock is passed in, so tests need no timers.

interface Bucket {
  tokens: number;
  at: number;
}

export interface TokenBucketsOptions {
  /** Tokens per minute, which is also the bucket size (the largest burst). */
  readonly perMinute: number;
  /** How many keys to remember before full buckets are forgotten (bounds memory). Default 100,000. */
  readonly maxKeys?: number;
}

export class TokenBuckets {
  readonly #capacity: number;
  readonly #perMs: number;
  readonly #maxKeys: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(opts: TokenBucketsOptions) {
    if (!(opts.perMinute > 0)) throw new RangeError('perMinute must be above 0');
    this.#capacity = opts.perMinute;
    this.#perMs = opts.perMinute / 60_000;
    this.#maxKeys = opts.maxKeys ?? 100_000;
  }

  /**
   * Takes `n` tokens from `key`'s bucket. Returns 0 when allowed, else the milliseconds until a
   * retry can succeed (nothing is taken then). A bucket holding at least one token pays for all `n`
   * and may go below zero: a batch larger than the bucket still gets through once, and its debt
   * delays the next request.
   */
  take(key: string, n: number, now: number): number {
    let b = this.#buckets.get(key);
    if (b === undefined) {
      if (this.#buckets.size >= this.#maxKeys) this.#forget(now);
      b = { tokens: this.#capacity, at: now };
      this.#buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.#capacity, b.tokens + Math.max(0, now - b.at) * this.#perMs);
      b.at = Math.max(b.at, now);
    }
    if (b.tokens < 1) return Math.ceil((1 - b.tokens) / this.#perMs);
    b.tokens -= n;
    return 0;
  }

  /** How many keys are remembered (for tests of the memory bound). */
  get size(): number {
    return this.#buckets.size;
  }

  // Full buckets carry no information and are dropped. If that is not enough (a flood from very
  // many addresses), the oldest half goes too: those clients start again with a full bucket, which
  // errs on the side of serving them.
  #forget(now: number): void {
    for (const [key, b] of this.#buckets) {
      if (b.tokens + Math.max(0, now - b.at) * this.#perMs >= this.#capacity) this.#buckets.delete(key);
    }
    if (this.#buckets.size < this.#maxKeys) return;
    let drop = Math.ceil(this.#buckets.size / 2);
    for (const key of this.#buckets.keys()) {
      if (drop-- <= 0) break;
      this.#buckets.delete(key);
    }
  }
}

/** `Retry-After` in whole seconds (at least 1) for a wait in milliseconds. */
export function retryAfterSeconds(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / 1000));
}
