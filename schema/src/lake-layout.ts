// Where the lake's files live on HDFS. Two tables, Hive-style partitions by UTC time:
//   <root>/events/dt=YYYY-MM-DD/hour=HH/part-<kafka partition>-<first offset>.parquet  (event time)
//   <root>/sessions/dt=YYYY-MM-DD/part-<kafka partition>-<first offset>.parquet      (session start)
// The processor's work files (files being written, its commit log and state checkpoints) live
// under <root>/_processor/, outside both tables, so DuckDB, Spark or Trino pointed at a table folder
// only ever see committed files. A file is named by the Kafka offset of its first row, so a replay
// after a crash never makes a second file for the same rows.

export const DEFAULT_LAKE_ROOT = '/clickstream';

function normaliseRoot(root: string): string {
  if (!root.startsWith('/')) throw new Error(`lake root must be an absolute HDFS path: ${root}`);
  return root.replace(/\/+$/, '') || '';
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** `YYYY-MM-DD` and `HH` of an instant, in UTC. */
export function partitionOf(epochMs: number): { dt: string; hour: string } {
  const d = new Date(epochMs);
  if (Number.isNaN(d.getTime())) throw new Error(`invalid time: ${epochMs}`);
  const dt = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
  return { dt, hour: pad(d.getUTCHours(), 2) };
}

export function lakeLayout(root: string = DEFAULT_LAKE_ROOT) {
  const base = normaliseRoot(root);
  const events = `${base}/events`;
  const sessions = `${base}/sessions`;
  return {
    /** The lake's root folder, normalised (what `lakeLayout` was given). */
    root: base,
    /** The events table: point DuckDB, Spark or Trino at this folder. */
    eventsDir: events,
    /** The sessions table (closed sessions from the processor), by day of the session start. */
    sessionsDir: sessions,
    /** The processor's work files, per Kafka topic and partition; never inside a table. */
    workDir(topic: string, kafkaPartition: number): string {
      return `${base}/_processor/${topic.replace(/[^a-zA-Z0-9._-]/g, '_')}/p${kafkaPartition}`;
    },
    /** One day's folder. `dt` is `YYYY-MM-DD`. */
    dayDir(dt: string): string {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(dt)) throw new Error(`invalid date ${dt}: use YYYY-MM-DD`);
      return `${events}/dt=${dt}`;
    },
    /** The hour partition an instant belongs to. */
    hourDir(epochMs: number): string {
      const { dt, hour } = partitionOf(epochMs);
      return `${events}/dt=${dt}/hour=${hour}`;
    },
    /** One day's folder of the sessions table. */
    sessionsDayDir(dt: string): string {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(dt)) throw new Error(`invalid date ${dt}: use YYYY-MM-DD`);
      return `${sessions}/dt=${dt}`;
    },
    /** Data-file name: the Kafka partition and the offset of the file's first row. */
    dataFileName(kafkaPartition: number, firstOffset: bigint): string {
      return `part-${pad(kafkaPartition, 3)}-${firstOffset.toString().padStart(12, '0')}.parquet`;
    },
  };
}
export type LakeLayout = ReturnType<typeof lakeLayout>;
