import { describe, expect, it } from 'vitest';
import { isRetriable } from './kafka.ts';

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
