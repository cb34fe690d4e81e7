// What the lake holds: its day partitions and their Parquet files, listed through WebHDFS. Entries
// whose names start with `_` or `.` (work files, the processor's write-ahead log) are skipped, as
// engines do; only `<root>/events/` is read.
import { HdfsNotFoundError, HdfsUnavailableError, type WebHdfsClient } from '@clickstream/infra/webhdfs';
import type { LakeLayout } from '@clickstream/schema';
import { BatchError } from './errors.ts';

export interface LakeFile {
  /** Absolute HDFS path. */
  readonly path: string;
  readonly bytes: number;
  /** Modification time, epoch ms. */
  readonly modified: number;
}

const hidden = (name: string) => name.startsWith('_') || name.startsWith('.');

/** Turns "cannot reach the NameNode" into the one line a user needs. */
export async function withLakeErrors<T>(webhdfsUrl: string, what: () => Promise<T>): Promise<T> {
  try {
    return await what();
  } catch (err) {
    if (err instanceof HdfsUnavailableError)
      throw new BatchError(
        `cannot reach the lake's NameNode at ${webhdfsUrl} (${err.message}); start HDFS (npm run infra:up) or set WEBHDFS_URL`,
      );
    throw err;
  }
}

/** The lake's dt partitions (YYYY-MM-DD), sorted. A lake without an events folder is an error. */
export async function listLakeDays(
  hdfs: WebHdfsClient,
  lake: LakeLayout,
  webhdfsUrl: string,
): Promise<string[]> {
  return withLakeErrors(webhdfsUrl, async () => {
    try {
      const entries = await hdfs.listStatus(lake.eventsDir);
      return entries
        .filter((e) => e.type === 'DIRECTORY' && /^dt=\d{4}-\d{2}-\d{2}$/.test(e.pathSuffix))
        .map((e) => e.pathSuffix.slice(3))
        .sort();
    } catch (err) {
      if (err instanceof HdfsNotFoundError)
        throw new BatchError(
          `no lake at ${lake.eventsDir} on ${webhdfsUrl}: check LAKE_ROOT (the processor creates it with its first file)`,
        );
      throw err;
    }
  });
}

/** Every Parquet file of one day (none when the day has no folder). */
export function listDayFiles(hdfs: WebHdfsClient, lake: LakeLayout, dt: string): Promise<LakeFile[]> {
  return listParquetUnder(hdfs, lake.dayDir(dt));
}

/** Every Parquet file below an HDFS folder (none when it does not exist), sorted by path. */
export async function listParquetUnder(hdfs: WebHdfsClient, root: string): Promise<LakeFile[]> {
  const files: LakeFile[] = [];
  async function walk(dir: string): Promise<void> {
    let entries: Awaited<ReturnType<WebHdfsClient['listStatus']>>;
    try {
      entries = await hdfs.listStatus(dir);
    } catch (err) {
      if (err instanceof HdfsNotFoundError) return;
      throw err;
    }
    for (const e of entries) {
      if (hidden(e.pathSuffix)) continue;
      const path = `${dir}/${e.pathSuffix}`;
      if (e.type === 'DIRECTORY') await walk(path);
      else if (e.pathSuffix.endsWith('.parquet'))
        files.push({ path, bytes: e.length, modified: e.modificationTime });
    }
  }
  await walk(root);
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/**
 * A cheap fingerprint of a day: its hour folders and their modification times (one call). HDFS
 * updates a folder's time whenever a file is created, renamed into or deleted from it.
 */
export async function dayFingerprint(hdfs: WebHdfsClient, lake: LakeLayout, dt: string): Promise<string> {
  try {
    const entries = await hdfs.listStatus(lake.dayDir(dt));
    return entries
      .filter((e) => !hidden(e.pathSuffix))
      .map((e) => `${e.pathSuffix}@${e.modificationTime}:${e.length}`)
      .sort()
      .join(',');
  } catch (err) {
    if (err instanceof HdfsNotFoundError) return '';
    throw err;
  }
}

/** `events/dt=.../hour=.../x.parquet`: a file's path below the lake root, whatever engine named it. */
export function lakeRelative(path: string): string {
  const i = path.lastIndexOf('/events/dt=');
  return i === -1 ? path : path.slice(i + 1);
}
