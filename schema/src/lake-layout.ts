// Where the lake's files live on HDFS. Hive-style partitions by the event's (corrected) UTC time:
//   <root>/events/dt=YYYY-MM-DD/hour=HH/part-<partition>-<firstOffset>-<lastOffset>.parquet
// Files being written live under <root>/events/_tmp/ (engines skip `_` paths) and are renamed
// into place once complete. File names derive from Kafka offsets, so re-processing the same
// offsets after a crash produces the same name instead of a duplicate file.

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
  return {
    /** The table root: point DuckDB, Spark or Hive at this folder. */
    eventsDir: events,
    /** In-progress files; never read by engines. */
    tmpDir: `${events}/_tmp`,
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
    /** Deterministic data-file name for a run of offsets from one Kafka partition. */
    dataFileName(kafkaPartition: number, firstOffset: string, lastOffset: string): string {
      return `part-${pad(kafkaPartition, 3)}-${pad(Number(firstOffset), 12)}-${pad(Number(lastOffset), 12)}.parquet`;
    },
  };
}
export type LakeLayout = ReturnType<typeof lakeLayout>;
