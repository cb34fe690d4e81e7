// Lake rows -> one complete Parquet file in memory, for tests and tools that write lake files
// directly (the processor itself grows files with ParquetFile, see lake-writer.ts).
import { LAKE_COLUMNS, type LakeRow } from '@clickstream/schema';
import { encodeParquet } from './parquet-file.ts';

export function writeParquet(rows: readonly LakeRow[]): Uint8Array {
  return encodeParquet(LAKE_COLUMNS, rows);
}
