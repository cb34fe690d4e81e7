// A small seeded random source (mulberry32) and the distributions the traffic generator draws
// from, so a seed always gives the same visitors, paths and ids.

/** A 32-bit seed from any parts (FNV-1a over their text), e.g. seedOf(1, 'day', '2026-12-01'). */
export function seedOf(...parts: ReadonlyArray<string | number>): number {
  let h = 0x811c9dc5;
  for (const c of parts.join('\u0000')) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

export class Random {
  #a: number;

  constructor(seed: number) {
    this.#a = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.#a = (this.#a + 0x6d2b79f5) >>> 0;
    let t = this.#a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }

  /** One of `xs`, each as likely as its weight. */
  weighted<T extends { readonly weight: number }>(xs: readonly T[]): T {
    let r = this.next() * xs.reduce((s, x) => s + x.weight, 0);
    for (const x of xs) {
      r -= x.weight;
      if (r < 0) return x;
    }
    return xs[xs.length - 1] as T;
  }

  /** Exponential with the given mean (waiting times between independent arrivals). */
  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  /** Log-normal around `median` (dwell times: mostly short, a few long), clamped to [min, max]. */
  logNormal(median: number, sigma: number, min: number, max: number): number {
    // Box-Muller
    const z = Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
    return Math.min(max, Math.max(min, median * Math.exp(sigma * z)));
  }

  /** A version-4-shaped UUID from this source (deterministic, unlike crypto.randomUUID). */
  uuid(): string {
    const word = () =>
      Math.floor(this.next() * 4294967296)
        .toString(16)
        .padStart(8, '0');
    const h = word() + word() + word() + word();
    const variant = (8 + (Number.parseInt(h[16] as string, 16) & 3)).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20)}`;
  }
}
