// One day of the lake -> the daily CSVs: download the day's Parquet from HDFS, aggregate with
// DuckDB, write each CSV under a temporary name and rename it into place.
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebHdfsClient } from '@clickstream/infra/webhdfs';
import type { LakeLayout } from '@clickstream/schema';
import { AGGREGATES, dayView } from './aggregates.ts';
import { downloadParquet } from './download-parquet.ts';
import { eventsFrom, query } from './query.ts';

export interface BatchOptions {
  readonly hdfs: WebHdfsClient;
  readonly lake: LakeLayout;
  /** YYYY-MM-DD (UTC). */
  readonly date: string;
  /** The CSVs go to <outDir>/<date>/. */
  readonly outDir: string;
  readonly log?: (line: string) => void;
}

export interface BatchSummary {
  readonly date: string;
  readonly files: number;
  readonly bytes: number;
  readonly events: number;
  readonly csv: ReadonlyArray<{ readonly path: string; readonly rows: number }>;
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

export async function runBatch(opts: BatchOptions): Promise<BatchSummary> {
  const log = opts.log ?? (() => {});
  const dayDir = opts.lake.dayDir(opts.date);
  const local = mkdtempSync(join(tmpdir(), 'clickstream-batch-'));
  try {
    const t0 = performance.now();
    const { files, bytes } = await downloadParquet(opts.hdfs, dayDir, join(local, `dt=${opts.date}`));
    log(
      `read ${files} Parquet file(s), ${(bytes / 1024).toFixed(1)} KiB, from ${dayDir} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    if (files === 0) log(`no events in the lake for ${opts.date}: the CSVs will have headers and zero rows`);

    const outDir = join(opts.outDir, opts.date);
    mkdirSync(outDir, { recursive: true });
    // An empty day still has the lake's columns, so every aggregate runs.
    const table =
      files > 0
        ? eventsFrom(local)
        : `(SELECT NULL::VARCHAR AS dt, NULL::VARCHAR AS hour, NULL::VARCHAR AS message_id, NULL::VARCHAR AS anonymous_id,
             NULL::VARCHAR AS user_id, NULL::BOOLEAN AS is_bot, NULL::TIMESTAMPTZ AS received_at, NULL::VARCHAR AS type,
             NULL::VARCHAR AS page_path, NULL::VARCHAR AS device_type, NULL::VARCHAR AS geo_country,
             NULL::VARCHAR AS event_name, NULL::VARCHAR AS product_id, NULL::VARCHAR AS order_id,
             NULL::DOUBLE AS revenue, NULL::VARCHAR AS currency, NULL::VARCHAR AS group_id,
             NULL::VARCHAR AS previous_id WHERE false)`;
    const statements = [dayView(table, opts.date)];
    const csv: Array<{ path: string; rows: number }> = [];
    for (const a of AGGREGATES) {
      const path = join(outDir, a.file);
      const tmp = `${path}.tmp`;
      statements.push(
        `COPY (${a.sql.replaceAll('$date', opts.date)}) TO ${sqlString(tmp)} (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"', NULLSTR '')`,
      );
      csv.push({ path, rows: 0 });
    }
    const [{ n } = { n: '0' }] = await query(...statements, 'SELECT count(*) AS n FROM day');
    for (const c of csv) {
      renameSync(`${c.path}.tmp`, c.path);
      c.rows = readFileSync(c.path, 'utf8').trimEnd().split('\n').length - 1;
      log(`wrote ${c.path} (${c.rows} rows)`);
    }
    return { date: opts.date, files, bytes, events: Number(n), csv };
  } finally {
    rmSync(local, { recursive: true, force: true });
  }
}
