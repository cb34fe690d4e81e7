import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { csvLine, formatValue, neutralise } from './format.ts';

describe('formatValue', () => {
  it('writes each type one way, whatever the engine printed', () => {
    expect(formatValue('int', '00042')).toBe('42');
    expect(formatValue('money', '47.600000')).toBe('47.60');
    expect(formatValue('decimal4', '0.5')).toBe('0.5000');
    expect(formatValue('seconds', '1.5')).toBe('1.500');
    expect(formatValue('text', null)).toBeNull();
    expect(() => formatValue('date', '2026-1-1')).toThrow();
  });
});

describe('CSV cells', () => {
  const hostile = [
    '=1+2',
    '+49 30',
    '-5',
    '@SUM(A1)',
    '\tx',
    "'quoted",
    'a,b',
    'say "hi"',
    'two\nlines',
    '',
    'plain',
  ];

  it('neutralises formula-like text and can be undone by stripping one leading quote', () => {
    for (const s of hostile) {
      const safe = neutralise(s);
      expect(/^[=+\-@\t\r]/.test(safe)).toBe(false);
      expect(safe.startsWith("'") ? safe.slice(1) : safe).toBe(s);
    }
  });

  it('round-trips through a strict RFC 4180 parser; numbers are left alone', () => {
    const text =
      csvLine(['name', 'amount']) +
      hostile.map((s) => csvLine([s, '-5.00'], ['text', 'money'])).join('') +
      csvLine([null, '1'], ['text', 'int']);
    const rows = parse(text, { relax_quotes: false, relax_column_count: false, skip_empty_lines: false });
    expect(rows).toEqual([['name', 'amount'], ...hostile.map((s) => [neutralise(s), '-5.00']), ['', '1']]);
  });
});
