import { describe, expect, it } from 'vitest';
import { messageBytes, piecesOf } from './kafka.ts';

describe('piecesOf (EventProducer splits big sends)', () => {
  const m = (value: string, headers?: Record<string, string>) => ({
    key: 'k',
    value,
    ...(headers ? { headers } : {}),
  });

  it('counts UTF-8 bytes of key, value and headers', () => {
    expect(messageBytes(m('abc'))).toBe(4);
    expect(messageBytes(m('日本', { 'x-r': 'é' }))).toBe(1 + 6 + 3 + 2);
    expect(messageBytes({ key: null, value: new Uint8Array(5) })).toBe(5);
  });

  it('keeps order, cuts before the piece would pass the limit, and sends a lone big message alone', () => {
    const messages = [m('a'.repeat(36)), m('b'.repeat(36)), m('c'.repeat(500)), m('d')];
    // 64 bytes of framing + 37 = 101 each for a and b.
    const pieces = piecesOf(messages, 202);
    expect(pieces.map((p) => p.map((x) => x.value[0]))).toEqual([['a', 'b'], ['c'], ['d']]);
    expect(piecesOf(messages, 201).map((p) => p.length)).toEqual([1, 1, 1, 1]);
    expect(piecesOf([], 10)).toEqual([]);
  });
});
