// The batch runs the same SQL (prepare.ts, marts/) on either engine. An engine only loads inputs
// and runs statements; what it must not do is compute anything itself: every definition is in the
// portable SQL. DuckDB (duckdb-engine.ts) runs in this process over local copies of the lake;
// Spark SQL (spark-engine.ts) runs in a JVM that reads hdfs:// directly, locally or on a cluster.
import type { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { LAKE_COLUMNS, type LakeColumnType, type LakeLayout } from '@clickstream/schema';
import type { LakeFile } from './lake-files.ts';

/** Where the lake is, for the steps that list it (the visitor history). */
export interface LakeSource {
  readonly hdfs: WebHdfsClient;
  readonly layout: LakeLayout;
  /** DuckDB's visitor index (visitor-history.ts) lives here. */
  readonly historyCacheDir: string;
  readonly log: (line: string) => void;
}

export type SideType = 'STRING' | 'BIGINT' | 'INT';

export interface SideColumn {
  readonly name: string;
  readonly type: SideType;
}

export type SideValue = string | number | null;

export interface QueryResult {
  readonly columns: readonly string[];
  /** Every value as exact text (integers and decimals in plain notation), or null. */
  readonly rows: (string | null)[][];
}

export interface SqlEngine {
  /** E.g. `duckdb v1.5.6` or `spark 4.2.0 local[2]`, for logs and the manifest. */
  readonly description: string;
  /**
   * The view `name` over these lake files: their columns (by name, so files with and without a
   * newer column mix), the partition columns dt and hour as text, and lake_file (the file a row
   * came from). With no files, an empty view with the lake's columns.
   */
  readLake(name: string, files: readonly LakeFile[]): Promise<void>;
  /** A small table the batch computed (time zones, page paths, constants). */
  registerRows(
    name: string,
    columns: readonly SideColumn[],
    rows: readonly (readonly SideValue[])[],
  ): Promise<void>;
  view(name: string, sql: string): Promise<void>;
  /** Computes and keeps a table (a later statement reads it, often several times); returns its rows. */
  materialize(name: string, sql: string): Promise<number>;
  query(sql: string): Promise<QueryResult>;
  drop(name: string): Promise<void>;
  /**
   * `history(site_id, visitor, first_seen_ms)`: each visitor's first non-bot event on the given
   * lake days (FIRST_SEEN_SQL), the days before the ones the batch reads.
   */
  loadHistory(source: LakeSource, days: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** The lake's columns with SQL types, for the empty view of a day without files. */
export function lakeColumnsSql(types: Record<LakeColumnType, string>, text: string): string[] {
  return [
    ...LAKE_COLUMNS.map((c) => `CAST(NULL AS ${types[c.type]}) AS ${c.name}`),
    `CAST(NULL AS ${text}) AS dt`,
    `CAST(NULL AS ${text}) AS hour`,
    `CAST(NULL AS ${text}) AS lake_file`,
  ];
}
