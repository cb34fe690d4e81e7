import { describe, expect, it } from 'vitest';
import { dayWindow, hourLabel, localTime, utcDates, zoneQuarters } from './local-time.ts';

const iso = (ms: number) => new Date(ms).toISOString();

describe('local days and hours', () => {
  it('a UTC day reads the UTC days before and after it', () => {
    const w = dayWindow('UTC', '2026-11-24');
    expect(iso(w.startMs)).toBe('2026-11-24T00:00:00.000Z');
    expect(iso(w.endMs)).toBe('2026-11-25T00:00:00.000Z');
    expect(utcDates(w.fromMs, w.toMs)).toEqual(['2026-11-23', '2026-11-24', '2026-11-25']);
  });

  it('a Berlin day spans two UTC partitions, and its window four', () => {
    const w = dayWindow('Europe/Berlin', '2026-11-24');
    expect(iso(w.startMs)).toBe('2026-11-23T23:00:00.000Z');
    expect(utcDates(w.fromMs, w.toMs)).toEqual(['2026-11-22', '2026-11-23', '2026-11-24', '2026-11-25']);
  });

  it('days with a daylight-saving change have 23 or 25 hours, each labelled with its offset', () => {
    const hoursOf = (zone: string, date: string) => {
      const w = dayWindow(zone, date);
      return [
        ...new Set(
          zoneQuarters(w)
            .filter((q) => q.local_date === date)
            .map((q) => q.hour_start),
        ),
      ];
    };
    const autumn = hoursOf('Europe/Berlin', '2026-10-25');
    expect(autumn).toHaveLength(25);
    expect(autumn.slice(2, 4)).toEqual(['2026-10-25 02:00:00+02:00', '2026-10-25 02:00:00+01:00']);
    expect(hoursOf('Europe/Berlin', '2026-03-29')).toHaveLength(23);
    expect(hoursOf('UTC', '2026-03-29')).toHaveLength(24);
  });

  it('quarter hours map half- and quarter-hour zones exactly', () => {
    const t = localTime('Asia/Kathmandu', Date.parse('2026-11-24T18:14:59.999Z'));
    expect(hourLabel(t)).toBe('2026-11-24 23:00:00+05:45');
    expect(hourLabel(localTime('America/St_Johns', Date.parse('2026-11-24T03:30:00Z')))).toBe(
      '2026-11-24 00:00:00-03:30',
    );
  });
});
