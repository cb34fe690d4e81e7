import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DedupeFilter, hash64 } from './dedupe.ts';

const H = 3_600_000;
const t0 = Date.parse('2026-11-24T10:00:00Z');

describe('DedupeFilter', () => {
  it('drops a second copy of a messageId and keeps distinct ids', () => {
    const f = new DedupeFilter(24 * H);
    expect(f.isDuplicate('m1', t0)).toBe(false);
    expect(f.isDuplicate('m2', t0 + 1)).toBe(false);
    expect(f.isDuplicate('m1', t0 + 5 * 60_000)).toBe(true);
    expect(f.isDuplicate('m1', t0 + 23 * H)).toBe(true);
    expect(f.stats().ids).toBe(2);
  });

  it('remembers an id for at least the window and at most one hour more', () => {
    const f = new DedupeFilter(24 * H);
    f.isDuplicate('early', t0 + 59 * 60_000); // hour 10:00-11:00
    f.isDuplicate('clock', t0 + 24 * H + 58 * 60_000); // 10:58 next day: 23h59m later
    expect(f.isDuplicate('early', t0 + 24 * H + 58 * 60_000)).toBe(true);
    f.isDuplicate('clock', t0 + 25 * H); // the 10:00 hour ended 24 h ago: forgotten
    expect(f.isDuplicate('early', t0 + 25 * H)).toBe(false);
  });

  it('decides from the events alone: the same input gives the same answers', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `id-${i % 1500}`);
    const run = () => {
      const f = new DedupeFilter(H);
      return ids.map((id, i) => f.isDuplicate(id, t0 + i * 3_000));
    };
    expect(run()).toEqual(run());
  });

  /** A checkpoint's parts as a commit log keeps them: key -> bytes. */
  const checkpoint = (f: DedupeFilter, stored = new Map<string, Uint8Array>()) => {
    const { head, parts } = f.parts((key) => stored.has(key));
    const written = parts.filter((p) => p.bytes !== null).map((p) => p.key);
    const next = new Map(parts.map((p) => [p.key, p.bytes ?? (stored.get(p.key) as Uint8Array)]));
    return {
      head,
      stored: next,
      written,
      restore: () =>
        DedupeFilter.fromParts(
          head,
          parts.map((p) => next.get(p.key) as Uint8Array),
        ),
    };
  };

  it('survives a checkpoint in parts and a restore with the same memory of ids', () => {
    const f = new DedupeFilter(24 * H);
    const ids = Array.from({ length: 5000 }, () => randomUUID());
    for (const [i, id] of ids.entries()) f.isDuplicate(id, t0 + i * 10_000);
    const c = checkpoint(f);
    expect(c.head.hours.length).toBe(14); // 5000 ids 10 s apart: 13.9 hours of receipt
    expect([...c.stored.values()].reduce((n, b) => n + b.byteLength, 0)).toBe(5000 * 8);
    const g = c.restore();
    expect(g.stats().ids).toBe(5000);
    expect(g.stats().hours).toBe(f.stats().hours);
    expect(ids.every((id) => g.isDuplicate(id, t0 + 5000 * 10_000))).toBe(true);
    expect(g.isDuplicate(randomUUID(), t0 + 5000 * 10_000)).toBe(false);
  });

  it('writes again only the hours whose ids changed since the last checkpoint', () => {
    const f = new DedupeFilter(24 * H);
    for (let i = 0; i < 3000; i++) f.isDuplicate(`a-${i}`, t0 + i * 3_600); // 3 hours
    const first = checkpoint(f);
    expect(first.written).toHaveLength(3);
    // New ids in the third hour and a fourth; a copy of an old id changes nothing.
    for (let i = 0; i < 100; i++) f.isDuplicate(`b-${i}`, t0 + 2 * H + 3_599_000 + i * 100);
    expect(f.isDuplicate('a-5', t0 + 4 * H)).toBe(true);
    const second = checkpoint(f, first.stored);
    expect(second.head.hours.map((h) => h.size)).toEqual([1000, 1000, 1010, 90]);
    expect(second.written).toEqual([second.head.hours[2]?.key, second.head.hours[3]?.key]);
    // A restore from the mix of old and new parts equals the filter.
    const g = second.restore();
    expect(g.stats()).toEqual(f.stats());
    for (let i = 0; i < 3000; i += 7) expect(g.isDuplicate(`a-${i}`, t0 + 4 * H)).toBe(true);
    expect(g.isDuplicate('b-99', t0 + 4 * H)).toBe(true);
    // Nothing changed: nothing to write.
    expect(checkpoint(g, second.stored).written).toEqual([]);
  });

  it('refuses a part that does not hold the ids its key names', () => {
    const f = new DedupeFilter(24 * H);
    for (let i = 0; i < 10; i++) f.isDuplicate(`x-${i}`, t0 + i);
    const { head, parts } = f.parts(() => false);
    const bytes = Uint8Array.from(parts[0]?.bytes ?? []);
    bytes[0] = (bytes[0] as number) ^ 1;
    expect(() => DedupeFilter.fromParts(head, [bytes])).toThrow(/holds other ids/);
    expect(() => DedupeFilter.fromParts(head, [])).toThrow(/expected 1/);
  });

  it('still reads a version 1 checkpoint (one buffer, every hour inline)', () => {
    const hashes = ['v1-a', 'v1-b'].map(hash64);
    const view = new DataView(new ArrayBuffer(24 + 16 + 2 * 8));
    view.setFloat64(0, 24 * H, true);
    view.setFloat64(8, t0 + 60_000, true);
    view.setFloat64(16, 1, true);
    view.setFloat64(24, t0 / H, true);
    view.setFloat64(32, 2, true);
    for (const [i, [h, l]] of hashes.entries()) {
      view.setUint32(40 + i * 8, h, true);
      view.setUint32(44 + i * 8, l, true);
    }
    const g = DedupeFilter.restore(new Uint8Array(view.buffer));
    expect(g.stats().ids).toBe(2);
    expect(g.isDuplicate('v1-b', t0 + 120_000)).toBe(true);
    expect(g.isDuplicate('v1-c', t0 + 120_000)).toBe(false);
  });

  it('keeps memory bounded: about 16 bytes per id at most', () => {
    const f = new DedupeFilter(24 * H);
    for (let i = 0; i < 100_000; i++) f.isDuplicate(`m-${i}`, t0 + i);
    const { ids, bytes } = f.stats();
    expect(ids).toBe(100_000);
    expect(bytes / ids).toBeLessThanOrEqual(32);
  });

  it('hashes to 64 bits without collisions on 300,000 similar ids', { timeout: 30_000 }, () => {
    const seen = new Set<string>();
    for (let i = 0; i < 300_000; i++) {
      const [h, l] = hash64(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
      seen.add(`${h}:${l}`);
    }
    expect(seen.size).toBe(300_000);
  });
});
