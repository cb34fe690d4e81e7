// A Parquet file that grows in memory: rows are appended roll after roll, and `render()` gives the
// complete file at any time, so the lake writer can replace the partition's current file with a
// bigger one in a single atomic rename instead of adding a small file per roll.
//
// Small appends are merged into the last row group (re-encoded together) so a slow stream does not
// make a footer of thousands of tiny row groups; once the last group holds `tailRows` rows it is
// sealed: its encoded bytes are kept and never encoded again. Types follow what other engines read
// without surprises: INT64 TIMESTAMP(MILLIS, UTC), UTF8 strings, DECIMAL(18,6) as INT64, no
// unsigned ints, snappy, and a `created_by` that Spark and parquet-mr parse, so their readers use the
// statistics.
import { readFileSync } from 'node:fs';
import type { LakeColumnType } from '@clickstream/schema';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { type ChunkColumn, writeRowGroup } from './column-chunk.ts';

type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];
type RowGroup = ParquetWriter['row_groups'][number];

export interface ColumnSpec {
  readonly name: string;
  readonly type: LakeColumnType;
  readonly nullable: boolean;
}

/**
 * Columns whose min/max statistics let a reader skip row groups for the questions asked of this
 * lake (a time range, a site, an event, a page, a product, an order). The rest (ids, free text,
 * JSON, client details) get none: computing them was a fifth of the encoding time, and random ids
 * or long text filter nothing.
 */
export const STATISTICS: ReadonlySet<string> = new Set([
  'site_id',
  'type',
  'event_name',
  'event_time',
  'received_at',
  'page_path',
  'device_type',
  'geo_country',
  'is_bot',
  'is_click',
  'product_id',
  'order_id',
  'currency',
  'revenue',
  'session_start',
  'session_end',
  'landing_page',
  'country',
  'is_bounce',
  'funnel_step',
]);

/**
 * A function that takes rows apart into one array per column, compiled once per column list with
 * plain property reads (the same hidden class every time), not a lookup by name per cell.
 */
function columnExtractor(columns: readonly ColumnSpec[]): (rows: readonly object[]) => unknown[][] {
  for (const c of columns)
    if (!/^[a-z_][a-z0-9_]*$/.test(c.name)) throw new Error(`bad column name ${c.name}`);
  const body = [
    'const n = rows.length;',
    ...columns.map((_, i) => `const c${i} = new Array(n);`),
    'for (let i = 0; i < n; i++) {',
    '  const r = rows[i];',
    ...columns.map((c, i) => `  c${i}[i] = r.${c.name};`),
    '}',
    `return [${columns.map((_, i) => `c${i}`).join(', ')}];`,
  ].join('\n');
  return new Function('rows', body) as (rows: readonly object[]) => unknown[][];
}

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
  decimal: {
    type: 'INT64',
    converted_type: 'DECIMAL',
    precision: 18,
    scale: 6,
    logical_type: { type: 'DECIMAL', precision: 18, scale: 6 },
  },
};

export function parquetSchema(columns: readonly ColumnSpec[]): SchemaElement[] {
  return [
    { name: 'schema', num_children: columns.length },
    ...columns.map(
      (c): SchemaElement => ({
        name: c.name,
        repetition_type: c.nullable ? 'OPTIONAL' : 'REQUIRED',
        ...PHYSICAL[c.type],
      }),
    ),
  ];
}

function processorVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/**
 * `created_by` in the form parquet-mr's VersionParser reads (`<app> version <semver> (build <id>)`);
 * Spark ignores a file's statistics, with a warning, when it cannot parse it. The build id is
 * CLICKSTREAM_BUILD when set (a commit, in images), else `dev`.
 */
export function createdBy(build: string = process.env.CLICKSTREAM_BUILD || 'dev'): string {
  return `clickstream-processor version ${processorVersion()} (build ${build.replace(/[()]/g, '')})`;
}

const MAGIC = 0x31524150; // "PAR1"

export class ParquetFile<Row extends object> {
  readonly #schema: SchemaElement[];
  readonly #createdBy: string;
  readonly #tailRows: number;
  readonly #chunkColumns: readonly ChunkColumn[];
  readonly #extract: (rows: readonly object[]) => unknown[][];
  /** "PAR1" and the sealed row groups' bytes. */
  #sealed: Uint8Array[] = [new Uint8Array(new Uint32Array([MAGIC]).buffer)];
  #sealedLength = 4;
  #sealedGroups: RowGroup[] = [];
  #sealedRows = 0;
  #tail: Row[] = [];
  #tailBytes = 0;

  constructor(columns: readonly ColumnSpec[], opts: { tailRows?: number; createdBy?: string } = {}) {
    this.#schema = parquetSchema(columns);
    this.#chunkColumns = columns.map((c, i) => ({
      ...c,
      statistics: STATISTICS.has(c.name),
      element: this.#schema[i + 1] as SchemaElement,
    }));
    this.#extract = columnExtractor(columns);
    this.#createdBy = opts.createdBy ?? createdBy();
    this.#tailRows = opts.tailRows ?? 10_000;
  }

  get rows(): number {
    return this.#sealedRows + this.#tail.length;
  }

  /** Bytes of the data so far (without the footer); the last render's size for the tail. */
  get bytes(): number {
    return this.#sealedLength + this.#tailBytes;
  }

  /** Adds rows: merged into the last row group while it stays small, else in a group of their own. */
  append(rows: readonly Row[]): void {
    if (rows.length === 0) return;
    if (this.#tail.length + rows.length <= this.#tailRows) {
      this.#tail = this.#tail.concat(rows);
      return;
    }
    if (this.#tail.length > 0) this.#seal(this.#tail);
    this.#tail = [];
    this.#tailBytes = 0;
    this.#seal(rows);
  }

  /** Adds rows as a row group of their own, encoded now (after the small last group, if any). */
  appendGroup(rows: readonly Row[]): void {
    if (rows.length === 0) return;
    if (this.#tail.length > 0) this.#seal(this.#tail);
    this.#tail = [];
    this.#tailBytes = 0;
    this.#seal(rows);
  }

  #seal(rows: readonly Row[]): void {
    const { group, groupBytes } = this.#encode(rows);
    this.#sealed.push(groupBytes);
    this.#sealedLength += groupBytes.byteLength;
    this.#sealedGroups.push(group);
    this.#sealedRows += rows.length;
  }

  /**
   * Encodes rows as one row group placed right after the sealed bytes, then the footer listing every
   * row group. Returns the group, its bytes, and the group with footer (what `render` appends).
   */
  #encode(rows: readonly Row[]) {
    const writer = new ByteWriter();
    // ParquetWriter always starts with the 4-byte magic; start its offsets 4 bytes early so the
    // group's absolute offsets are right, and drop those 4 bytes from the output.
    writer.offset = this.#sealedLength - 4;
    const pq = new ParquetWriter({
      writer,
      schema: this.#schema,
      codec: 'SNAPPY',
      createdBy: this.#createdBy,
    });
    pq.row_groups = [...this.#sealedGroups];
    pq.num_rows = BigInt(this.#sealedRows);
    // No page indexes: a sealed group's index offsets would point into an old footer.
    const written = writeRowGroup(writer, this.#chunkColumns, this.#extract(rows), rows.length);
    pq.row_groups.push(written);
    pq.num_rows += BigInt(rows.length);
    const groupEnd = writer.offset;
    pq.finish();
    const all = writer.getBytes();
    const groupLength = groupEnd - this.#sealedLength;
    return {
      group: pq.row_groups[pq.row_groups.length - 1] as RowGroup,
      groupBytes: all.slice(4, 4 + groupLength),
      withFooter: all.subarray(4),
    };
  }

  /** The whole file as it stands. */
  render(): Uint8Array {
    let tail: Uint8Array;
    if (this.#tail.length > 0) {
      const encoded = this.#encode(this.#tail);
      tail = encoded.withFooter;
      this.#tailBytes = encoded.groupBytes.byteLength;
    } else {
      // Only sealed groups: an empty write gives just the footer.
      const writer = new ByteWriter();
      writer.offset = this.#sealedLength - 4;
      const pq = new ParquetWriter({
        writer,
        schema: this.#schema,
        codec: 'SNAPPY',
        createdBy: this.#createdBy,
      });
      pq.row_groups = [...this.#sealedGroups];
      pq.num_rows = BigInt(this.#sealedRows);
      pq.finish();
      tail = writer.getBytes().subarray(4);
    }
    const out = new Uint8Array(this.#sealedLength + tail.byteLength);
    let at = 0;
    for (const chunk of this.#sealed) {
      out.set(chunk, at);
      at += chunk.byteLength;
    }
    out.set(tail, at);
    return out;
  }
}

/** Rows -> one complete Parquet file. */
export function encodeParquet<Row extends object>(
  columns: readonly ColumnSpec[],
  rows: readonly Row[],
): Uint8Array {
  const file = new ParquetFile<Row>(columns, { tailRows: Number.MAX_SAFE_INTEGER });
  file.append(rows);
  return file.render();
}
