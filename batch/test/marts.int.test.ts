// Every mart, value for value, on hand-made lake data (known-day.ts) in a real HDFS, computed by
// DuckDB; every CSV read back with a strict RFC 4180 parser.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { lakeLayout } from '@clickstream/schema';
import { parse } from 'csv-parse/sync';
import { describe, expect, inject, it } from 'vitest';
import { MARTS } from '../src/marts/index.ts';
import { runBatch } from '../src/run-batch.ts';
import { ALL_HOURS, BUSY_HOURS, DATE, EXPECTED, FX_RATES, SITES, writeKnownLake } from './known-day.ts';

const { webhdfsUrl, hdfsUser } = inject('infra');
const hdfs = new WebHdfsClient({ url: webhdfsUrl, user: hdfsUser });

export function readCsv(path: string): string[][] {
  return parse(readFileSync(path, 'utf8'), { relax_quotes: false, relax_column_count: false, bom: false });
}

/** Checks every mart of the day against known-day.ts. */
export function expectKnownMarts(dayDir: string): void {
  for (const mart of MARTS) {
    const rows = readCsv(join(dayDir, `${mart.name}.csv`));
    expect(rows[0], mart.name).toEqual(mart.columns.map((c) => c.name));
    const hourly = BUSY_HOURS[mart.name];
    if (hourly) {
      const width = rows[0]!.length - 3;
      expect(rows.slice(1).map((r) => `${r[1]} ${r[2]}`), mart.name).toEqual(ALL_HOURS);
      for (const r of rows.slice(1))
        expect(r.slice(3), `${mart.name} ${r[1]} ${r[2]}`).toEqual(hourly[`${r[1]} ${r[2]}`] ?? Array(width).fill('0'));
    } else expect(rows, mart.name).toEqual(EXPECTED[mart.name]);
  }
}

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
    expect(manifest.marts.map((m: { name: string }) => m.name)).toEqual(MARTS.map((m) => m.name));
    expect(readdirSync(join(out, DATE)).sort()).toEqual(
      [...MARTS.map((m) => `${m.name}.csv`), 'manifest.json'].sort(),
    );
    expect(lines.some((l) => l.includes('visitor history: indexed 1 lake day'))).toBe(true);
  });
});
