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

  it('keeps in-progress files under a path engines skip', () => {
    expect(lake.tmpDir).toBe('/data/lake/events/_tmp');
  });

  it('names data files by their offsets, so a replay gets the same name', () => {
    expect(lake.dataFileName(2, '15', '99')).toBe('part-002-000000000015-000000000099.parquet');
  });

  it('rejects relative roots and malformed dates', () => {
    expect(() => lakeLayout('lake')).toThrow(/absolute/);
    expect(() => lake.dayDir('2026-1-5')).toThrow(/YYYY-MM-DD/);
    expect(() => partitionOf(Number.NaN)).toThrow(/invalid time/);
  });
});
