import { describe, expect, it } from 'vitest';
import { Progress } from './progress.ts';

describe('Progress', () => {
  it('prints one line per day when not on a terminal, with days, events/s and ETA', () => {
    const out: string[] = [];
    const p = new Progress(3, { isTTY: false, write: (s) => out.push(s) });
    p.dayDone('2026-11-24', 1000);
    p.dayDone('2026-11-25', 1000);
    expect(out).toHaveLength(2);
    expect(out[1]).toMatch(
      /^batch: \[#{16}-{8}\] 2\/3 days +[\d,]+ events\/s +ETA \d+:\d\d +\(last: 2026-11-25\)\n$/,
    );
  });

  it('redraws one line on a terminal and ends it after the last day', () => {
    const out: string[] = [];
    const p = new Progress(1, { isTTY: true, write: (s) => out.push(s) });
    p.dayDone('2026-11-24', 10);
    expect(out[0]?.startsWith('\rbatch: [')).toBe(true);
    expect(out[1]).toBe('\n');
  });
});
