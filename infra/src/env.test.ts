import { describe, expect, it } from 'vitest';
import { intInRange } from './env.ts';

class MyError extends Error {}

describe('intInRange', () => {
  it('gives the fallback when unset or empty, the value when in range', () => {
    expect(intInRange({}, 'N', 7, 1, 10, MyError)).toBe(7);
    expect(intInRange({ N: '' }, 'N', 7, 1, 10, MyError)).toBe(7);
    expect(intInRange({ N: '10' }, 'N', 7, 1, 10, MyError)).toBe(10);
    expect(intInRange({ N: '0' }, 'N', 7, 0, 10, MyError)).toBe(0);
  });

  it("refuses non-integers and values out of range with the caller's error class", () => {
    for (const raw of ['11', '-1', '2.5', 'ten', '1e0', '0x1', ' ', ' 5']) {
      expect(() => intInRange({ N: raw }, 'N', 7, 0, 10, MyError)).toThrow(MyError);
    }
    expect(() => intInRange({ N: '11' }, 'N', 7, 0, 10, MyError)).toThrow(
      'N=11: expected an integer from 0 to 10',
    );
  });
});
