// DuckDB over local Parquet files.
import { DuckDBInstance } from '@duckdb/node-api';

/** SQL for the events table over a local copy of the lake (Hive partitions dt and hour as text). */
export function eventsFrom(localEventsDir: string): string {
  const glob = `${localEventsDir.replace(/'/g, "''")}/**/*.parquet`;
  return `read_parquet('${glob}', hive_partitioning = true, hive_types_autocast = false)`;
}

/** Runs statements in one fresh in-memory database; returns the rows of the last one. */
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
