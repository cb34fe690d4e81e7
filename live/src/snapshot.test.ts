import { describe, expect, it } from 'vitest';
import { applyDelta, diffSnapshot, fillMinutes, MINUTES, type MinuteRow, type Snapshot } from './snapshot.ts';

const row = (minute: string, events: number, extra: Partial<MinuteRow> = {}): MinuteRow => ({
  minute,
  events,
  pageViews: 0,
  clicks: 0,
  orders: 0,
  ...extra,
});

function snapshot(at: string, rows: MinuteRow[], over: Partial<Snapshot> = {}): Snapshot {
  return {
    site: 's',
    at,
    currentVisitors: 0,
    minutes: fillMinutes(rows, at),
    topPages: [],
    today: { events: 0, pageViews: 0, clicks: 0, visitors: 0, orders: 0 },
    revenueToday: [],
    ...over,
  };
}

describe('fillMinutes', () => {
  it('gives the 60 minutes ending at the current one, zeros where nothing happened', () => {
    const minutes = fillMinutes(
      [row('2026-12-01T10:30:00.000Z', 4), row('2026-12-01T09:00:00.000Z', 9)], // the second is too old
      '2026-12-01T10:59:41.000Z',
    );
    expect(minutes).toHaveLength(MINUTES);
    expect(minutes[0]?.minute).toBe('2026-12-01T10:00:00.000Z');
    expect(minutes.at(-1)?.minute).toBe('2026-12-01T10:59:00.000Z');
    expect(minutes.filter((m) => m.events > 0)).toEqual([row('2026-12-01T10:30:00.000Z', 4)]);
  });
});

describe('diffSnapshot and applyDelta', () => {
  const at = '2026-12-01T10:59:10.000Z';
  const base = snapshot(at, [row('2026-12-01T10:58:00.000Z', 3)], { currentVisitors: 2 });

  it('is null when nothing shown changed (only the read time moved)', () => {
    expect(diffSnapshot(base, { ...base, at: '2026-12-01T10:59:15.000Z' })).toBeNull();
  });

  it('carries only the changed minutes and parts', () => {
    const next = snapshot(
      '2026-12-01T10:59:20.000Z',
      [row('2026-12-01T10:58:00.000Z', 3), row('2026-12-01T10:59:00.000Z', 2)],
      {
        currentVisitors: 3,
      },
    );
    const delta = diffSnapshot(base, next);
    expect(delta).toEqual({
      site: 's',
      at: '2026-12-01T10:59:20.000Z',
      windowStart: '2026-12-01T10:00:00.000Z',
      minutes: [row('2026-12-01T10:59:00.000Z', 2)],
      currentVisitors: 3,
    });
    expect(applyDelta(base, delta!)).toEqual(next);
  });

  it('moves the window when the minute turns, even with no new numbers', () => {
    const next = snapshot('2026-12-01T11:00:01.000Z', [row('2026-12-01T10:58:00.000Z', 3)], {
      currentVisitors: 2,
    });
    const delta = diffSnapshot(base, next);
    expect(delta?.windowStart).toBe('2026-12-01T10:01:00.000Z');
    expect(delta?.minutes).toEqual([]);
    expect(applyDelta(base, delta!)).toEqual(next);
  });

  it('round-trips random changes exactly', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let prev = base;
    for (let i = 0; i < 300; i++) {
      const t = Date.parse(prev.at) + rnd(3) * 30_000;
      const at = new Date(t).toISOString();
      const rows = prev.minutes.map((m) =>
        rnd(10) === 0 ? { ...m, events: m.events + rnd(5), clicks: m.clicks + rnd(2) } : m,
      );
      rows.push(row(new Date(Math.floor(t / 60_000) * 60_000).toISOString(), rnd(4)));
      const next = snapshot(at, rows, {
        currentVisitors: rnd(3) === 0 ? rnd(50) : prev.currentVisitors,
        topPages: rnd(4) === 0 ? [{ path: `/p${rnd(5)}`, pageViews: rnd(9) }] : prev.topPages,
        revenueToday:
          rnd(6) === 0
            ? [{ currency: 'EUR', orders: rnd(9), revenue: `${rnd(999)}.500000` }]
            : prev.revenueToday,
      });
      const delta = diffSnapshot(prev, next);
      expect(delta ? applyDelta(prev, delta) : { ...prev, at: next.at }).toEqual(next);
      prev = next;
    }
  });
});
