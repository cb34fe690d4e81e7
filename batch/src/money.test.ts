import { describe, expect, it } from 'vitest';
import { formatDecimal, parseDecimal } from './decimal.ts';
import { convertRevenue } from './money.ts';

describe('exact decimals', () => {
  it('writes one canonical form whatever the engine printed', () => {
    expect(formatDecimal(parseDecimal('89.000000'), 6, 2)).toBe('89.00');
    expect(formatDecimal(parseDecimal('89'), 6, 2)).toBe('89.00');
    expect(formatDecimal(parseDecimal('0.123456'), 6, 2)).toBe('0.123456');
    expect(formatDecimal(parseDecimal('-0.5'), 4)).toBe('-0.5000');
    expect(formatDecimal(parseDecimal('12.3450'), 3)).toBe('12.345');
  });

  it('refuses digits beyond the column scale instead of rounding them away', () => {
    expect(() => formatDecimal(parseDecimal('0.12345'), 4)).toThrow(/decimal places/);
  });
});

describe('convertRevenue', () => {
  const rates = new Map([['USD/EUR', '0.9215']]);

  it('converts each currency total with the configured rate, exactly', () => {
    const r = convertRevenue(
      [
        { currency: 'EUR', revenue: '89.00' },
        { currency: 'USD', revenue: '10.10' },
      ],
      'EUR',
      rates,
    );
    // 10.10 * 0.9215 = 9.30715 exactly; 89 + 9.30715 = 98.30715
    expect(r).toEqual({ total: '98.30715', missing: [] });
  });

  it('gives no total when a currency has no rate', () => {
    const r = convertRevenue(
      [
        { currency: 'EUR', revenue: '1.00' },
        { currency: 'JPY', revenue: '100.00' },
        { currency: null, revenue: '5.00' },
        { currency: 'GBP', revenue: '0.00' },
      ],
      'EUR',
      rates,
    );
    expect(r).toEqual({ total: null, missing: ['JPY', 'unknown'] });
  });
});
