import { describe, expect, it } from 'vitest';
import { daysToRun, nextRunAt, parseTimeOfDay } from './schedule-plan.ts';

describe('the batch schedule', () => {
  const at = { hour: 2, minute: 30 };

  it('runs at the next HH:MM UTC, today if it is still ahead, else tomorrow', () => {
    expect(nextRunAt(new Date('2026-11-30T01:00:00Z'), at).toISOString()).toBe('2026-11-30T02:30:00.000Z');
    expect(nextRunAt(new Date('2026-11-30T02:30:00Z'), at).toISOString()).toBe('2026-12-01T02:30:00.000Z');
    expect(nextRunAt(new Date('2026-12-31T23:59:59Z'), at).toISOString()).toBe('2027-01-01T02:30:00.000Z');
  });

  it('computes the last finished UTC days, yesterday included', () => {
    expect(daysToRun(new Date('2026-11-30T02:30:00Z'), 2)).toEqual({ from: '2026-11-28', to: '2026-11-29' });
    expect(daysToRun(new Date('2026-03-01T00:00:00Z'), 1)).toEqual({ from: '2026-02-28', to: '2026-02-28' });
    expect(daysToRun(new Date('2027-01-01T12:00:00Z'), 3)).toEqual({ from: '2026-12-29', to: '2026-12-31' });
  });

  it('reads HH:MM and nothing else', () => {
    expect(parseTimeOfDay('02:30')).toEqual(at);
    expect(parseTimeOfDay('23:59')).toEqual({ hour: 23, minute: 59 });
    for (const bad of ['2:30', '24:00', '02:60', '0230', ' 02:30'])
      expect(parseTimeOfDay(bad), bad).toBeNull();
  });
});
