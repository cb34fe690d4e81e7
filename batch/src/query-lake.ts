// SQL over a lake folder on HDFS: copy its Parquet to a temporary folder, expose it as the view
// `events`, run the SQL, clean up. For tests and ad-hoc checks; the daily batch uses run-batch.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { DuckDBInstance } from '@duckdb/node-api';
import { readParquetSql } from './duckdb-engine.ts';
import { listParquetUnder } from './lake-files.ts';
import { LocalLake } from './local-lake.ts';

/** Rows of `sql` over the view `events`; no rows while the folder holds no Parquet yet. */
export async function queryLake(
  hdfs: WebHdfsClient,
  eventsDir: string,
  sql: string,
): Promise<Record<string, unknown>[]> {
  const local = mkdtempSync(join(tmpdir(), 'lake-'));
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    const files = await listParquetUnder(hdfs, eventsDir);
    if (files.length === 0) return [];
    const paths = await new LocalLake(hdfs, local).localPaths(files);
    await connection.run(`CREATE VIEW events AS ${readParquetSql(paths)}`);
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    db.closeSync();
    rmSync(local, { recursive: true, force: true });
  }
}

/** Runs statements in one fresh in-memory DuckDB; the rows of the last one (for tests and scripts). */
export async function query(...statements: string[]): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    let rows: Record<string, unknown>[] = [];
    for (const sql of statements)
      rows = (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
    return rows;
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}
