// Backfills and reruns: a 3-day range with one day rerun gives the same CSV files and PostgreSQL
// rows as running each day once, and a batch killed in the middle of a day (a real SIGKILL of the
// CLI, and a failure once the new files are complete but not yet visible) leaves the previous
// version of the day in both.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@clickstream/infra';
import { createPool } from '@clickstream/infra/postgres';
import { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { lakeLayout } from '@clickstream/schema';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { formatValue, neutralise } from '../src/format.ts';
import { OUTPUT_MARTS as MARTS } from '../src/marts/index.ts';
import { type MartTarget, openMartTarget } from '../src/postgres-marts.ts';
import { runBatch, runBatches } from '../src/run-batch.ts';
import { FX_RATES, readCsv, SITES, writeKnownLake } from './known-day.ts';

const { webhdfsUrl, hdfsUser, postgresUrl } = inject('infra');
const hdfs = new WebHdfsClient({ url: webhdfsUrl, user: hdfsUser });
const DAYS = ['2026-11-23', '2026-11-24', '2026-11-25'];
const lakeRoot = `/test/backfill-${Date.now()}`;
const lake = lakeLayout(lakeRoot);
const common = { hdfs, lake, sites: SITES, fxRates: FX_RATES };

/** Every CSV of a day (not the manifest, which says when it was computed). */
function dayFiles(out: string, date: string): Record<string, string> {
  const dir = join(out, date);
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.csv'))
      .sort()
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  );
}

/** The day's rows of every mart in PostgreSQL, written as the CSV writes them. */
async function pgDay(date: string): Promise<Record<string, string[][]>> {
  const pool = createPool(postgresUrl);
  try {
    const result: Record<string, string[][]> = {};
    for (const mart of MARTS) {
      const select = mart.columns
        .map((c) =>
          c.type === 'date'
            ? `to_char(${c.name}, 'YYYY-MM-DD')`
            : c.type === 'hour'
              ? `to_char(${c.name} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`
              : `${c.name}::text`,
        )
        .join(', ');
      const { rows } = await pool.query({
        text: `SELECT ${select} FROM daily.${mart.name} WHERE date = $1`,
        values: [date],
        rowMode: 'array',
      });
      result[mart.name] = (rows as (string | null)[][])
        .map((r) =>
          r.map((v, i) => {
            const type = mart.columns[i]!.type;
            if (v === null) return '';
            return type === 'text' ? neutralise(v) : type === 'hour' ? v : (formatValue(type, v) as string);
          }),
        )
        .sort();
    }
    return result;
  } finally {
    await pool.end();
  }
}

/** The same rows from the CSVs, hours in UTC. */
function csvDay(out: string, date: string): Record<string, string[][]> {
  const result: Record<string, string[][]> = {};
  for (const mart of MARTS) {
    const hour = mart.columns.findIndex((c) => c.type === 'hour');
    result[mart.name] = readCsv(join(out, date, `${mart.name}.csv`))
      .slice(1)
      .map((r) =>
        r.map((v, i) =>
          i === hour ? new Date(Date.parse(v.replace(' ', 'T'))).toISOString().replace('.000', '') : v,
        ),
      )
      .sort();
  }
  return result;
}

describe('backfills and reruns (real HDFS and PostgreSQL)', () => {
  let postgres: MartTarget;
  beforeAll(async () => {
    await writeKnownLake(hdfs, lake);
    postgres = await openMartTarget(postgresUrl, MARTS);
  });
  afterAll(() => postgres?.close());

  it('a 3-day range with one day rerun equals each day run once, in CSV and PostgreSQL', async () => {
    const backfilled = mkdtempSync(join(tmpdir(), 'backfill-'));
    const progress: string[] = [];
    const summaries = await runBatches({
      ...common,
      outDir: backfilled,
      from: DAYS[0]!,
      to: DAYS[2]!,
      postgres,
      progress: { isTTY: false, write: (s) => progress.push(s) },
    });
    expect(summaries.map((s) => s.date)).toEqual(DAYS);
    expect(progress).toHaveLength(3);
    expect(progress[2]).toMatch(/^batch: \[#{24}\] 3\/3 days .* events\/s {2}ETA 0:00/);
    await runBatch({ ...common, outDir: backfilled, date: DAYS[1]!, postgres });

    const single = mkdtempSync(join(tmpdir(), 'single-'));
    for (const date of DAYS) await runBatch({ ...common, outDir: single, date });
    for (const date of DAYS) {
      expect(dayFiles(backfilled, date), date).toEqual(dayFiles(single, date));
      expect(await pgDay(date), date).toEqual(csvDay(single, date));
    }
    // Only the current version and the one before it are kept.
    expect(readdirSync(join(backfilled, '.versions', DAYS[1]!))).toHaveLength(2);
  });

  it('a run killed in the middle of a day leaves the previous version in CSV and PostgreSQL', async () => {
    const out = mkdtempSync(join(tmpdir(), 'killed-'));
    const date = DAYS[1]!;
    await runBatch({ ...common, outDir: out, date, postgres });
    const before = {
      files: dayFiles(out, date),
      manifest: readFileSync(join(out, date, 'manifest.json'), 'utf8'),
    };
    const pgBefore = await pgDay(date);

    // A rerun dies: once after its files were complete but not yet visible, once by SIGKILL
    // while computing. (The manifest says when a version was computed, so it tells them apart.)
    await expect(
      runBatch({
        ...common,
        outDir: out,
        date,
        postgres,
        beforePublish: () => Promise.reject(new Error('crash')),
      }),
    ).rejects.toThrow();
    const cli = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'batch', 'src', 'cli.ts'), '--date', date],
      {
        env: {
          ...process.env,
          WEBHDFS_URL: webhdfsUrl,
          HDFS_USER: hdfsUser,
          LAKE_ROOT: lakeRoot,
          BATCH_OUT_DIR: out,
          BATCH_SITES: JSON.stringify(SITES),
          BATCH_FX_RATES: JSON.stringify(Object.fromEntries(FX_RATES)),
          POSTGRES_URL: postgresUrl,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    await new Promise<void>((resolve) => {
      cli.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('prepared:')) cli.kill('SIGKILL');
      });
      cli.on('exit', () => resolve());
    });
    expect(output).toContain('prepared:');
    expect(cli.signalCode).toBe('SIGKILL');

    expect(dayFiles(out, date)).toEqual(before.files);
    expect(readFileSync(join(out, date, 'manifest.json'), 'utf8')).toBe(before.manifest);
    expect(await pgDay(date)).toEqual(pgBefore);
  });
});
