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

  it('survives a snapshot and restore with the same memory of ids', () => {
    const f = new DedupeFilter(24 * H);
    const ids = Array.from({ length: 5000 }, () => randomUUID());
    for (const [i, id] of ids.entries()) f.isDuplicate(id, t0 + i * 10_000);
    const g = DedupeFilter.restore(f.snapshot());
    expect(g.stats().ids).toBe(5000);
    expect(g.stats().hours).toBe(f.stats().hours);
    expect(ids.every((id) => g.isDuplicate(id, t0 + 5000 * 10_000))).toBe(true);
    expect(g.isDuplicate(randomUUID(), t0 + 5000 * 10_000)).toBe(false);
    expect(f.snapshot().byteLength).toBeLessThan(24 + 16 * 20 + 5000 * 8 + 1);
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
