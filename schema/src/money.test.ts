import { describe, expect, it } from 'vitest';
import { formatMicros, toMicros } from './money.ts';

describe('toMicros', () => {
  it('keeps shop prices exact', () => {
    expect(toMicros(19.99)).toBe(19_990_000n);
    expect(toMicros(0.1 + 0.2)).toBe(300_000n);
    expect(toMicros(-5)).toBe(-5_000_000n);
    expect(toMicros(-0.5)).toBe(-500_000n);
    expect(toMicros(0)).toBe(0n);
  });

  it('sums without drift where doubles drift', () => {
    const prices = Array.from({ length: 1000 }, () => 0.1);
    expect(prices.reduce((a, b) => a + b, 0)).not.toBe(100);
    expect(prices.reduce((a, b) => a + (toMicros(b) ?? 0n), 0n)).toBe(100_000_000n);
  });

  it('rounds to six places and refuses what is not an amount', () => {
    expect(toMicros(1.23456789)).toBe(1_234_568n);
    expect(toMicros(1e-7)).toBe(0n);
    expect(toMicros(null)).toBeNull();
    expect(toMicros(Number.NaN)).toBeNull();
    expect(toMicros(Number.POSITIVE_INFINITY)).toBeNull();
    expect(toMicros(1e15)).toBeNull();
  });
});

describe('formatMicros', () => {
  it('prints plain decimals without trailing zeros', () => {
    expect(formatMicros(19_990_000n)).toBe('19.99');
    expect(formatMicros(5_000_000n)).toBe('5');
    expect(formatMicros(-500_000n)).toBe('-0.5');
    expect(formatMicros(1n)).toBe('0.000001');
    expect(formatMicros(0n)).toBe('0');
  });
});
