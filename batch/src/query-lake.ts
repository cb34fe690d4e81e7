// SQL over a lake folder on HDFS: download its Parquet to a temporary folder, expose it as the view
// `events`, run the SQL, clean up. For tests and ad-hoc checks; the daily batch uses run-batch.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { downloadParquet } from './download-parquet.ts';
import { eventsFrom, query } from './query.ts';

/** Rows of `sql` over the view `events`; no rows while the folder holds no Parquet yet. */
export async function queryLake(
  hdfs: WebHdfsClient,
  eventsDir: string,
  sql: string,
): Promise<Record<string, unknown>[]> {
  const local = mkdtempSync(join(tmpdir(), 'lake-'));
  try {
    const { files } = await downloadParquet(hdfs, eventsDir, local);
    if (files === 0) return [];
    return await query(`CREATE VIEW events AS SELECT * FROM ${eventsFrom(local)}`, sql);
  } finally {
    rmSync(local, { recursive: true, force: true });
  }
}
