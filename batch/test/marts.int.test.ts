// Every mart, value for value, on hand-made lake data (known-day.ts) in a real HDFS, computed by
// DuckDB; every CSV read back with a strict RFC 4180 parser.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { lakeLayout } from '@clickstream/schema';
import { describe, expect, inject, it } from 'vitest';
import { OUTPUT_MARTS } from '../src/marts/index.ts';
import { runBatch } from '../src/run-batch.ts';
import { DATE, expectKnownMarts, FX_RATES, readCsv, SITES, writeKnownLake } from './known-day.ts';

const { webhdfsUrl, hdfsUser } = inject('infra');
const hdfs = new WebHdfsClient({ url: webhdfsUrl, user: hdfsUser });

describe('the marts of a known day (DuckDB, real HDFS)', () => {
  it('match the definitions value for value, and every CSV parses strictly', async () => {
    const lake = lakeLayout(`/test/marts-${Date.now()}`);
    await writeKnownLake(hdfs, lake);
    const out = mkdtempSync(join(tmpdir(), 'marts-'));
    const lines: string[] = [];
    const summary = await runBatch({
      hdfs,
      lake,
      date: DATE,
      outDir: out,
      sites: SITES,
      fxRates: FX_RATES,
      log: (l) => lines.push(l),
    });
    expectKnownMarts(join(out, DATE));
    expect(summary).toMatchObject({ date: DATE, events: 23, sessions: 9 });
    // CSV-hostile cells as written: quoted, and formula-like text neutralised.
    const sources = readFileSync(join(out, DATE, 'traffic_sources.csv'), 'utf8');
    expect(sources).toContain(`${DATE},shop,,'@evil,'+m,"'=HYPERLINK(""x"")",1,1,0\n`);
    expect(readFileSync(join(out, DATE, 'page_views.csv'), 'utf8')).toContain(`${DATE},shop,"/a,b""c",1,1\n`);
    // The manifest names every lake file read, with its rows.
    const manifest = JSON.parse(readFileSync(join(out, DATE, 'manifest.json'), 'utf8'));
    expect(manifest.lake.days).toEqual(['2026-11-22', '2026-11-23', '2026-11-24', '2026-11-25']);
    expect(manifest.lake.historyDays).toBe(1);
    expect(manifest.lake.rows).toBe(31); // 32 events, one of them on a history day
    expect(manifest.lake.files.reduce((n: number, f: { rows: number }) => n + f.rows, 0)).toBe(31);
    expect(manifest.marts.map((m: { name: string }) => m.name)).toEqual(OUTPUT_MARTS.map((m) => m.name));
    expect(readdirSync(join(out, DATE)).sort()).toEqual(
      [...OUTPUT_MARTS.map((m) => `${m.name}.csv`), 'manifest.json'].sort(),
    );
    expect(lines.some((l) => l.includes('visitor history: indexed 1 lake day'))).toBe(true);
  });

  it('give empty marts for a day without data (rows of zeros only for the fixed dimensions of configured sites)', async () => {
    const lake = lakeLayout(`/test/empty-${Date.now()}`);
    await hdfs.mkdirs(`${lake.eventsDir}/dt=2026-01-02`);
    const out = mkdtempSync(join(tmpdir(), 'empty-'));
    const bare = await runBatch({ hdfs, lake, date: '2026-01-01', outDir: out });
    expect(bare).toMatchObject({ files: 0, events: 0, sessions: 0 });
    for (const mart of OUTPUT_MARTS)
      expect(readCsv(join(out, '2026-01-01', `${mart.name}.csv`)), mart.name).toEqual([
        mart.columns.map((c) => c.name),
      ]);
    await runBatch({ hdfs, lake, date: '2026-01-01', outDir: out, sites: [SITES[0]!] });
    const hours = readCsv(join(out, '2026-01-01', 'active_users_hourly.csv'));
    expect(hours).toHaveLength(25);
    expect(hours[1]).toEqual(['2026-01-01', 'shop', '2026-01-01 00:00:00+00:00', '0', '0']);
    expect(readCsv(join(out, '2026-01-01', 'summary.csv'))[1]).toEqual([
      '2026-01-01',
      'shop',
      'UTC',
      '0',
      '0',
      '0',
      '0',
      '0',
      '',
      'EUR',
      '0.00',
      '',
      '0',
      '0',
      '0',
      '0',
    ]);
    expect(readCsv(join(out, '2026-01-01', 'page_views.csv'))).toHaveLength(1);
  });
});
