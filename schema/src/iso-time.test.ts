import { describe, expect, it } from 'vitest';
import { parseIsoMillis } from './iso-time.ts';

describe('parseIsoMillis', () => {
  it("equals Date.parse on toISOString's form across 4 centuries, leap days and edges", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const from = Date.UTC(1800, 0, 1);
    const to = Date.UTC(2300, 0, 1);
    const samples = [
      0,
      -1,
      Date.UTC(2000, 1, 29, 23, 59, 59, 999),
      Date.UTC(2024, 1, 29),
      Date.UTC(1900, 2, 1),
      Date.UTC(2100, 1, 28, 12),
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      Date.parse('0000-01-01T00:00:00.000Z'),
      Date.parse('0000-02-29T12:00:00.000Z'),
      Date.UTC(1970, 0, 1, 0, 0, 0, 1),
    ];
    for (let i = 0; i < 20_000; i++) samples.push(Math.floor(from + random() * (to - from)));
    for (const t of samples) {
      const iso = new Date(t).toISOString();
      expect(parseIsoMillis(iso), iso).toBe(Date.parse(iso));
      expect(parseIsoMillis(iso), iso).toBe(t);
    }
  });

  it('hands every other form to Date.parse, invalid ones included', () => {
    for (const s of [
      '2026-11-30T10:20:00Z',
      '2026-11-30T10:20:00.000+01:00',
      '2026-11-30T10:20:00.1234Z',
      '2026-02-29T00:00:00.000Z',
      '2026-02-30T00:00:00.000Z',
      '2026-13-01T00:00:00.000Z',
      '2026-00-10T00:00:00.000Z',
      '2026-11-31T00:00:00.000Z',
      '2026-11-30T24:00:00.000Z',
      '2026-11-30T23:60:00.000Z',
      '2026-11-30T23:59:60.000Z',
      '2026-11-30T1a:00:00.000Z',
      '+02026-11-30T10:20:00.000Z',
      '-000001-01-01T00:00:00.000Z',
      '2026-11-30 10:20:00.000Z',
      '2026-11-30T10:20:00.000z',
      'not a date',
      '',
    ])
      expect(parseIsoMillis(s), s).toEqual(Date.parse(s));
  });
});
