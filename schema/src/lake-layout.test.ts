import { describe, expect, it } from 'vitest';
import { lakeLayout, partitionOf } from './lake-layout.ts';

describe('lakeLayout', () => {
  const lake = lakeLayout('/data/lake/');

  it('places events in Hive-style UTC hour partitions', () => {
    expect(lake.eventsDir).toBe('/data/lake/events');
    expect(lake.hourDir(Date.parse('2026-11-24T23:59:59.999Z'))).toBe(
      '/data/lake/events/dt=2026-11-24/hour=23',
    );
    expect(lake.hourDir(Date.parse('2026-11-25T00:00:00.000+01:00'))).toBe(
      '/data/lake/events/dt=2026-11-24/hour=23',
    );
    expect(lake.dayDir('2026-01-05')).toBe('/data/lake/events/dt=2026-01-05');
  });

  it('keeps work files outside the tables, where engines never look', () => {
    expect(lake.workDir('clickstream.events', 2)).toBe('/data/lake/_processor/clickstream.events/p2');
    expect(lake.workDir('a/b', 0)).toBe('/data/lake/_processor/a_b/p0');
    expect(lake.workDir('x', 0).startsWith(lake.eventsDir)).toBe(false);
    expect(lake.sessionsDayDir('2026-11-24')).toBe('/data/lake/sessions/dt=2026-11-24');
  });

  it('names data files by the offset of their first row, so a replay gets the same name', () => {
    expect(lake.dataFileName(2, 15n)).toBe('part-002-000000000015.parquet');
  });

  it('rejects relative roots and malformed dates', () => {
    expect(() => lakeLayout('lake')).toThrow(/absolute/);
    expect(() => lake.dayDir('2026-1-5')).toThrow(/YYYY-MM-DD/);
    expect(() => partitionOf(Number.NaN)).toThrow(/invalid time/);
  });
});
