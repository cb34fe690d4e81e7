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
  /** A sum over the ids added: with the size, names the set in a checkpoint (sets only grow). */
  sum = 0;

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
        this.sum = (this.sum + (h ^ Math.imul(l, 0x9e3779b1))) >>> 0;
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
    this.sum = 0;
    for (let i = 0; i < hi.length; i++) {
      if (hi[i] !== 0 || lo[i] !== 0) this.add(hi[i] as number, lo[i] as number);
    }
  }

  get bytes(): number {
    return this.hi.byteLength + this.lo.byteLength;
  }

  /** The ids as (hi, lo) Uint32 pairs, little-endian; not the empty slots. */
  ids(): Uint8Array {
    const out = new Uint32Array(this.size * 2);
    let at = 0;
    for (let i = 0; i < this.hi.length; i++) {
      const a = this.hi[i] as number;
      const b = this.lo[i] as number;
      if (a === 0 && b === 0) continue;
      out[at++] = a;
      out[at++] = b;
    }
    return littleEndian(out);
  }

  /** Names these ids in a checkpoint: ids only ever join an hour, so an equal key means equal ids. */
  keyAt(hour: number): string {
    return `${hour}:${this.size}:${this.sum}`;
  }

  static of(ids: Uint8Array, size: number): HashSet64 {
    let capacity = MIN_CAPACITY;
    while (capacity < size * 2 + 2) capacity *= 2;
    const table = new HashSet64(capacity);
    const view = new DataView(ids.buffer, ids.byteOffset, ids.byteLength);
    for (let i = 0; i < size; i++) table.add(view.getUint32(i * 8, true), view.getUint32(i * 8 + 4, true));
    return table;
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function littleEndian(words: Uint32Array): Uint8Array {
  if (!LITTLE_ENDIAN) {
    const view = new DataView(words.buffer);
    for (let i = 0; i < words.length; i++) view.setUint32(i * 4, words[i] as number, true);
  }
  return new Uint8Array(words.buffer);
}

/** The filter's checkpoint without its ids: goes into the state's JSON. */
export interface FilterHead {
  readonly windowMs: number;
  readonly maxReceivedAt: number | null;
  /** Oldest first; `key` names the hour's part (its ids). */
  readonly hours: ReadonlyArray<{ readonly hour: number; readonly size: number; readonly key: string }>;
}

/**
 * One hour's ids in a checkpoint, under a key that changes whenever they do. `bytes` is null when
 * the checkpoint already holds that key (it was not serialized again).
 */
export interface StatePart {
  readonly key: string;
  readonly bytes: Uint8Array | null;
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
   * The filter for a checkpoint in parts, one per hour of receipt, so that an hour whose ids did
   * not change since the last checkpoint is not written again: with a 24-hour window, a checkpoint
   * writes the current hour's ids, not a day's. `stored(key)` says whether the checkpoint has a
   * part already; only the others are serialized.
   */
  parts(stored: (key: string) => boolean): { head: FilterHead; parts: StatePart[] } {
    const hours: Array<{ hour: number; size: number; key: string }> = [];
    const parts: StatePart[] = [];
    for (const [hour, table] of this.#hours) {
      const key = table.keyAt(hour);
      hours.push({ hour, size: table.size, key });
      parts.push({ key, bytes: stored(key) ? null : table.ids() });
    }
    const maxReceivedAt = Number.isFinite(this.#maxReceivedAt) ? this.#maxReceivedAt : null;
    return { head: { windowMs: this.windowMs, maxReceivedAt, hours }, parts };
  }

  /** The filter `parts` described: `ids[i]` holds the ids of `head.hours[i]`. */
  static fromParts(head: FilterHead, ids: readonly Uint8Array[]): DedupeFilter {
    if (ids.length !== head.hours.length)
      throw new Error(
        `checkpoint has ${ids.length} parts of the duplicate filter, expected ${head.hours.length}`,
      );
    const filter = new DedupeFilter(head.windowMs);
    filter.#maxReceivedAt = head.maxReceivedAt ?? Number.NEGATIVE_INFINITY;
    for (const [i, { hour, size, key }] of head.hours.entries()) {
      const part = ids[i] as Uint8Array;
      if (part.byteLength !== size * 8)
        throw new Error(`checkpoint part ${key} has ${part.byteLength} bytes, expected ${size * 8}`);
      const table = HashSet64.of(part, size);
      if (table.keyAt(hour) !== key)
        throw new Error(`checkpoint part ${key} holds other ids (${table.keyAt(hour)})`);
      filter.#hours.set(hour, table);
    }
    return filter;
  }

  /**
   * The filter from a checkpoint of version 1 (before parts): a header of Float64 [windowMs,
   * maxReceivedAt, hours], then per hour [hour, size] and the size's hashes as (hi, lo) Uint32
   * pairs, little-endian.
   */
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
      filter.#hours.set(hour, HashSet64.of(bytes.subarray(at, at + size * 8), size));
      at += size * 8;
    }
    return filter;
  }
}
