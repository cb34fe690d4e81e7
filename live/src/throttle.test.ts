import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Throttle } from './throttle.ts';

describe('Throttle', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('runs the first request at once and merges a burst into one trailing run per interval', async () => {
    const runs: Array<[string, number]> = [];
    const t = new Throttle(async (key: string) => {
      runs.push([key, Date.now()]);
    }, 150);
    t.request('a');
    expect(runs).toEqual([['a', 0]]);
    for (let i = 0; i < 20; i++) {
      await vi.advanceTimersByTimeAsync(10);
      t.request('a');
    }
    // 20 requests over 200 ms after the first: one run at 150, one at 300.
    await vi.advanceTimersByTimeAsync(500);
    expect(runs).toEqual([
      ['a', 0],
      ['a', 150],
      ['a', 300],
    ]);
    // Keys are independent.
    t.request('b');
    expect(runs.at(-1)).toEqual(['b', 700]);
  });

  it('never runs a key twice at once: requests during a slow run give one run after it', async () => {
    let active = 0;
    let most = 0;
    let runs = 0;
    const t = new Throttle(async () => {
      runs++;
      most = Math.max(most, ++active);
      await new Promise((r) => setTimeout(r, 400));
      active--;
    }, 100);
    t.request('a');
    await vi.advanceTimersByTimeAsync(50);
    t.request('a');
    t.request('a');
    await vi.advanceTimersByTimeAsync(2_000);
    expect([runs, most]).toEqual([2, 1]);
  });

  it('forgets a key: its due run is cancelled', async () => {
    const runs: number[] = [];
    const t = new Throttle(async () => {
      runs.push(Date.now());
    }, 100);
    t.request('a');
    t.request('a');
    t.forget('a');
    await vi.advanceTimersByTimeAsync(500);
    expect(runs).toEqual([0]);
    t.close();
    t.request('a');
    expect(runs).toEqual([0]);
  });
});
