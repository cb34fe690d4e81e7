// Lake rows -> one Parquet file in memory. Types follow what other engines read without surprises:
// INT64 TIMESTAMP(MILLIS, isAdjustedToUTC=true), UTF8 strings, no unsigned ints, snappy.
import { LAKE_COLUMNS, type LakeColumnType, type LakeRow } from '@clickstream/schema';
import { parquetWriteBuffer } from 'hyparquet-writer';

type SchemaElement = NonNullable<Parameters<typeof parquetWriteBuffer>[0]['schema']>[number];

const PHYSICAL: Record<LakeColumnType, Omit<SchemaElement, 'name' | 'repetition_type'>> = {
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } },
  timestamp_ms: {
    type: 'INT64',
    converted_type: 'TIMESTAMP_MILLIS',
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
  },
  int32: { type: 'INT32' },
  double: { type: 'DOUBLE' },
  boolean: { type: 'BOOLEAN' },
};

const SCHEMA: SchemaElement[] = [
  { name: 'schema', num_children: LAKE_COLUMNS.length },
  ...LAKE_COLUMNS.map(
    (c): SchemaElement => ({
      name: c.name,
      repetition_type: c.nullable ? 'OPTIONAL' : 'REQUIRED',
      ...PHYSICAL[c.type],
    }),
  ),
];

export const PARQUET_CREATED_BY = 'clickstream-processor';

export function writeParquet(rows: readonly LakeRow[]): Uint8Array {
  const columnData = LAKE_COLUMNS.map((c) => ({
    name: c.name,
    data: rows.map((r) => r[c.name as keyof LakeRow]),
    nullable: c.nullable,
  }));
  const buffer = parquetWriteBuffer({
    columnData,
    schema: SCHEMA,
    codec: 'SNAPPY',
    createdBy: PARQUET_CREATED_BY,
    rowGroupSize: 100_000,
  });
  return new Uint8Array(buffer);
}
