import { describe, expect, it } from 'vitest';
import { formatCount, formatMoney } from './format.ts';

describe('format', () => {
  it('counts with thousands separators', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
  });
  it('shows money per currency, without a currency, and with an unknown code', () => {
    expect(formatMoney('1234.500000', 'EUR')).toBe('€1,234.50');
    expect(formatMoney('89.000000', 'USD')).toBe('$89.00');
    expect(formatMoney('5.000000', null)).toBe('5 (no currency)');
    expect(formatMoney('7.000000', 'XYZ1')).toBe('7 XYZ1');
  });
});
