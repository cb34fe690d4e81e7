import { describe, expect, it } from 'vitest';
import { isRetriable, messageBytes, piecesOf } from './kafka.ts';

describe('isRetriable', () => {
  it('follows the cause chain past an exhausted retry budget', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { retriable: true });
    const gaveUp = Object.assign(new Error('retries exceeded', { cause: refused }), { retriable: false });
    expect(isRetriable(gaveUp)).toBe(true);
  });

  it('is false for errors no retry can fix, and for non-errors', () => {
    expect(isRetriable(Object.assign(new Error('bad config'), { retriable: false }))).toBe(false);
    expect(isRetriable(new Error('plain'))).toBe(false);
    expect(isRetriable(undefined)).toBe(false);
    expect(isRetriable('nope')).toBe(false);
  });
});

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
