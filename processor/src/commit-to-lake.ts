// Exactly-once into the lake per Kafka offset, with a small write-ahead log per partition.
//
//   1. write each hour's Parquet file under <events>/_tmp/<topic>/p<partition>/<first>-<last>/
//   2. write the WAL entry  <events>/_wal/<topic>/p<partition>.json  (create + atomic rename):
//      { firstOffset, lastOffset, files: [{ tmp, final }] }          <- the commit point
//   3. rename each file into  <events>/dt=YYYY-MM-DD/hour=HH/part-<partition>-<first>-<last>.parquet
//   4. (caller) commit the Kafka offset
//
// A crash before 2 leaves only _tmp files (removed on recovery; the offsets are replayed). A crash
// after 2 is finished by recovery, which completes the renames of the last WAL entry and skips
// every offset up to its lastOffset, so a replay never writes an offset twice.

import { HdfsNotFoundError, type WebHdfsClient } from '@clickstream/infra/webhdfs';
import { type LakeLayout, type LakeRow, partitionOf } from '@clickstream/schema';
import { writeParquet } from './write-parquet.ts';

export interface WalEntry {
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: string;
  readonly lastOffset: string;
  readonly files: ReadonlyArray<{ readonly tmp: string; readonly final: string; readonly rows: number }>;
}

export interface LakeCommitter {
  /**
   * Finishes whatever a crashed run left half done for this partition and returns the last offset
   * already durable in the lake (-1n when none).
   */
  recover(topic: string, partition: number): Promise<bigint>;
  /** Writes the rows of offsets [firstOffset, lastOffset] durably; returns the files written. */
  commit(
    topic: string,
    partition: number,
    firstOffset: string,
    lastOffset: string,
    rows: readonly LakeRow[],
  ): Promise<WalEntry>;
}

const safe = (topic: string) => topic.replace(/[^a-zA-Z0-9._-]/g, '_');

export function lakeCommitter(hdfs: WebHdfsClient, layout: LakeLayout): LakeCommitter {
  const walPath = (topic: string, partition: number) =>
    `${layout.eventsDir}/_wal/${safe(topic)}/p${partition}.json`;
  const tmpRoot = (topic: string, partition: number) => `${layout.tmpDir}/${safe(topic)}/p${partition}`;

  async function readWal(topic: string, partition: number): Promise<WalEntry | null> {
    try {
      return JSON.parse(new TextDecoder().decode(await hdfs.open(walPath(topic, partition)))) as WalEntry;
    } catch (err) {
      if (err instanceof HdfsNotFoundError) return null;
      throw err;
    }
  }

  async function finishRenames(entry: WalEntry): Promise<void> {
    for (const f of entry.files) {
      if (await hdfs.exists(f.final)) continue;
      await hdfs.mkdirs(f.final.slice(0, f.final.lastIndexOf('/')));
      await hdfs.rename(f.tmp, f.final);
    }
  }

  return {
    async recover(topic, partition) {
      const entry = await readWal(topic, partition);
      if (entry) await finishRenames(entry);
      await hdfs.delete(tmpRoot(topic, partition), { recursive: true });
      return entry ? BigInt(entry.lastOffset) : -1n;
    },

    async commit(topic, partition, firstOffset, lastOffset, rows) {
      const byHour = new Map<string, LakeRow[]>();
      for (const row of rows) {
        const { dt, hour } = partitionOf(row.event_time);
        const key = `${dt}/${hour}`;
        const list = byHour.get(key);
        if (list) list.push(row);
        else byHour.set(key, [row]);
      }
      const name = layout.dataFileName(partition, firstOffset, lastOffset);
      const batchTmp = `${tmpRoot(topic, partition)}/${firstOffset}-${lastOffset}`;
      const files: Array<{ tmp: string; final: string; rows: number }> = [];
      for (const [key, hourRows] of byHour) {
        const [dt, hour] = key.split('/');
        const tmp = `${batchTmp}/dt=${dt}-hour=${hour}-${name}`;
        await hdfs.create(tmp, writeParquet(hourRows), { overwrite: true });
        files.push({
          tmp,
          final: `${layout.dayDir(dt as string)}/hour=${hour}/${name}`,
          rows: hourRows.length,
        });
      }
      const entry: WalEntry = { topic, partition, firstOffset, lastOffset, files };
      const wal = walPath(topic, partition);
      await hdfs.create(`${wal}.next`, JSON.stringify(entry), { overwrite: true });
      await hdfs.rename(`${wal}.next`, wal, { overwrite: true });
      await finishRenames(entry);
      // The batch's temporary folder is empty now; leaving it would pile up entries on the NameNode.
      await hdfs.delete(batchTmp, { recursive: true });
      return entry;
    },
  };
}
