// The duplicate filter: a client retry sends the same messageId again; the copy counts once in the
// stream and is written to the lake once. Memory is bounded: ids are kept as 64-bit hashes in
// open-addressing tables (16 bytes per id at most, 8 at least), one table per hour of receipt, and an
// hour's table is dropped once the newest receipt time seen in the partition is `windowMs` past the
// end of that hour. So an id is remembered for at least `windowMs` and at most `windowMs` + 1 hour
// of receipt time.
//
// Everything is a function of the partition's messages in offset order (the receipt clock comes
// from the events, not from the wall clock), so a replay after a crash decides exactly as the
// first run did. A false duplicate needs two ids with the same 64-bit hash among the ids in the
// window: about n^2 / 2^65, e.g. 3e-8 for a million ids.

const HOUR_MS = 3_600_000;
const MIN_CAPACITY = 1024;

/** 64 bits of a string as two 32-bit halves (cyrb53's mixing, both lanes kept whole). */
export function hash64(s: string): [number, number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  // 0/0 marks an empty slot.
  return h1 === 0 && h2 === 0 ? [1, 0] : [h1 >>> 0, h2 >>> 0];
}

/** A set of 64-bit hashes in two Uint32Arrays, linear probing, grown at half full. */
class HashSet64 {
  hi: Uint32Array;
  lo: Uint32Array;
  size = 0;

  constructor(capacity = MIN_CAPACITY) {
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
  }

  has(h: number, l: number): boolean {
    const mask = this.hi.length - 1;
    for (let i = (h ^ l) & mask; ; i = (i + 1) & mask) {
      const a = this.hi[i] as number;
      const b = this.lo[i] as number;
      if (a === 0 && b === 0) return false;
      if (a === h && b === l) return true;
    }
  }

  /** Adds the hash; false when it was there already. */
  add(h: number, l: number): boolean {
    if ((this.size + 1) * 2 > this.hi.length) this.#grow();
    const mask = this.hi.length - 1;
    for (let i = (h ^ l) & mask; ; i = (i + 1) & mask) {
      const a = this.hi[i] as number;
      const b = this.lo[i] as number;
      if (a === 0 && b === 0) {
        this.hi[i] = h;
        this.lo[i] = l;
        this.size++;
        return true;
      }
      if (a === h && b === l) return false;
    }
  }

  #grow(): void {
    const { hi, lo } = this;
    this.hi = new Uint32Array(hi.length * 2);
    this.lo = new Uint32Array(lo.length * 2);
    this.size = 0;
    for (let i = 0; i < hi.length; i++) {
      if (hi[i] !== 0 || lo[i] !== 0) this.add(hi[i] as number, lo[i] as number);
    }
  }

  get bytes(): number {
    return this.hi.byteLength + this.lo.byteLength;
  }
}

export interface DedupeStats {
  /** Ids remembered now. */
  readonly ids: number;
  /** Bytes of the hash tables. */
  readonly bytes: number;
  readonly hours: number;
}

export class DedupeFilter {
  readonly windowMs: number;
  #maxReceivedAt = Number.NEGATIVE_INFINITY;
  /** Tables by hour of receipt (epoch ms / 1 h), oldest first. */
  readonly #hours = new Map<number, HashSet64>();

  constructor(windowMs: number) {
    if (!(windowMs >= HOUR_MS))
      throw new Error(`duplicate window must be at least 1 hour, got ${windowMs} ms`);
    this.windowMs = windowMs;
  }

  /**
   * True when `messageId` was seen within the window (the event is a duplicate); otherwise
   * remembers it and returns false.
   */
  isDuplicate(messageId: string, receivedAt: number): boolean {
    if (receivedAt > this.#maxReceivedAt) {
      this.#maxReceivedAt = receivedAt;
      this.#forgetOld();
    }
    const [h, l] = hash64(messageId);
    for (const table of this.#hours.values()) if (table.has(h, l)) return true;
    // An event received "before" hours already forgotten is filed with the oldest kept hour.
    const hour = Math.max(Math.floor(receivedAt / HOUR_MS), this.#oldestKeptHour());
    let table = this.#hours.get(hour);
    if (!table) {
      table = new HashSet64();
      this.#hours.set(hour, table);
      this.#sortHours();
    }
    table.add(h, l);
    return false;
  }

  #oldestKeptHour(): number {
    return Math.floor((this.#maxReceivedAt - this.windowMs) / HOUR_MS);
  }

  #forgetOld(): void {
    for (const hour of this.#hours.keys()) {
      if ((hour + 1) * HOUR_MS + this.windowMs <= this.#maxReceivedAt) this.#hours.delete(hour);
      else break;
    }
  }

  #sortHours(): void {
    const entries = [...this.#hours.entries()].sort((a, b) => a[0] - b[0]);
    this.#hours.clear();
    for (const [k, v] of entries) this.#hours.set(k, v);
  }

  stats(): DedupeStats {
    let ids = 0;
    let bytes = 0;
    for (const t of this.#hours.values()) {
      ids += t.size;
      bytes += t.bytes;
    }
    return { ids, bytes, hours: this.#hours.size };
  }

  /**
   * The filter as bytes: a header of Float64 [windowMs, maxReceivedAt, hours], then per hour
   * [hour, size] and the size's hashes as (hi, lo) Uint32 pairs. Only ids are written, not the
   * tables' empty slots.
   */
  snapshot(): Uint8Array {
    const { ids } = this.stats();
    const out = new ArrayBuffer(24 + this.#hours.size * 16 + ids * 8);
    const head = new DataView(out);
    head.setFloat64(0, this.windowMs, true);
    head.setFloat64(8, this.#maxReceivedAt, true);
    head.setFloat64(16, this.#hours.size, true);
    let at = 24;
    for (const [hour, table] of this.#hours) {
      head.setFloat64(at, hour, true);
      head.setFloat64(at + 8, table.size, true);
      at += 16;
      for (let i = 0; i < table.hi.length; i++) {
        if (table.hi[i] === 0 && table.lo[i] === 0) continue;
        head.setUint32(at, table.hi[i] as number, true);
        head.setUint32(at + 4, table.lo[i] as number, true);
        at += 8;
      }
    }
    return new Uint8Array(out);
  }

  static restore(bytes: Uint8Array): DedupeFilter {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const filter = new DedupeFilter(view.getFloat64(0, true));
    filter.#maxReceivedAt = view.getFloat64(8, true);
    const hours = view.getFloat64(16, true);
    let at = 24;
    for (let k = 0; k < hours; k++) {
      const hour = view.getFloat64(at, true);
      const size = view.getFloat64(at + 8, true);
      at += 16;
      let capacity = MIN_CAPACITY;
      while (capacity < size * 2 + 2) capacity *= 2;
      const table = new HashSet64(capacity);
      for (let i = 0; i < size; i++, at += 8)
        table.add(view.getUint32(at, true), view.getUint32(at + 4, true));
      filter.#hours.set(hour, table);
    }
    return filter;
  }
}
