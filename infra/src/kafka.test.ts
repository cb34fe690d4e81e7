import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { isRetriable, messageBytes, piecesOf, quietKafkajsNegativeTimeouts } from './kafka.ts';

describe('quietKafkajsNegativeTimeouts', () => {
  const warning = (name: string, frame: string) =>
    Object.assign(new Error('-1796135106005 is a negative number.\nTimeout duration was set to 1.'), {
      name,
      stack: `${name}: -1796135106005 is a negative number.\n    at new Timeout (node:internal/timers:195:17)\n    at ${frame}`,
    });

  it("drops kafkajs's negative request-queue timer and passes every other warning on", () => {
    const target = new EventEmitter();
    const seen: string[] = [];
    target.on('warning', (w: Error) => seen.push(`${w.name} ${w.stack?.split('\n').at(-1)?.trim()}`));
    quietKafkajsNegativeTimeouts(target);
    quietKafkajsNegativeTimeouts(target); // once per process, however many clients
    const kafkajsFrame =
      'RequestQueue.scheduleCheckPendingRequests (/app/node_modules/kafkajs/src/network/requestQueue/index.js:317:37)';
    target.emit('warning', warning('TimeoutNegativeWarning', kafkajsFrame));
    target.emit('warning', warning('TimeoutNegativeWarning', 'ours (/app/processor/src/main.ts:1:1)'));
    target.emit('warning', warning('DeprecationWarning', kafkajsFrame));
    expect(seen).toEqual([
      'TimeoutNegativeWarning at ours (/app/processor/src/main.ts:1:1)',
      `DeprecationWarning at ${kafkajsFrame}`,
    ]);
  });
});

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
