// Copies the Parquet files below an HDFS folder to a local folder, keeping the Hive-style paths
// (dt=.../hour=...), and skipping `_` and `.` entries (in-progress files, the write-ahead log), as
// engines do.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HdfsNotFoundError, type WebHdfsClient } from '@clickstream/infra/webhdfs';

export interface Downloaded {
  readonly files: number;
  readonly bytes: number;
}

export async function downloadParquet(
  hdfs: WebHdfsClient,
  hdfsDir: string,
  localDir: string,
): Promise<Downloaded> {
  let files = 0;
  let bytes = 0;
  async function walk(remote: string, local: string): Promise<void> {
    let entries: Awaited<ReturnType<WebHdfsClient['listStatus']>>;
    try {
      entries = await hdfs.listStatus(remote);
    } catch (err) {
      if (err instanceof HdfsNotFoundError) return;
      throw err;
    }
    for (const e of entries) {
      if (e.pathSuffix.startsWith('_') || e.pathSuffix.startsWith('.')) continue;
      if (e.type === 'DIRECTORY') {
        await walk(`${remote}/${e.pathSuffix}`, join(local, e.pathSuffix));
      } else if (e.pathSuffix.endsWith('.parquet')) {
        mkdirSync(local, { recursive: true });
        const data = await hdfs.open(`${remote}/${e.pathSuffix}`);
        writeFileSync(join(local, e.pathSuffix), data);
        files += 1;
        bytes += data.byteLength;
      }
    }
  }
  await walk(hdfsDir, localDir);
  return { files, bytes };
}
