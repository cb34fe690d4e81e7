// One row group's column chunks for the lake's few flat column types, written straight into bytes.
//
// hyparquet-writer is a general writer (nested data, every type and encoding, value-by-value
// conversion); for our flat columns of strings, millisecond timestamps, int32, doubles, booleans
// and DECIMAL(18,6) it spent ~10 us per row, a quarter of the processor's catch-up CPU (see
// bench/README.md). This writes the same file layout, fast: per column one or more DATA_PAGE_V2
// pages (snappy), definition levels as RLE/bit-packed runs, strings PLAIN or RLE_DICTIONARY (a
// dictionary page first) when a dictionary at least halves them, fixed-width values PLAIN,
// booleans PLAIN bit-packed; min/max/null-count statistics where asked. hyparquet-writer still
// writes the page headers, snappy and the footer (`ParquetWriter.finish`), which reads the chunk
// metadata returned here.

import type { LakeColumnType } from '@clickstream/schema';
import { ByteWriter, type ParquetWriter } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';

// hyparquet's footer types, as hyparquet-writer (our dependency) exposes them.
type RowGroup = ParquetWriter['row_groups'][number];
type ColumnChunk = RowGroup['columns'][number];
type ColumnMetaData = NonNullable<ColumnChunk['meta_data']>;
type Encoding = ColumnMetaData['encodings'][number];
type Statistics = NonNullable<ColumnMetaData['statistics']>;
/** As hyparquet-writer's metadata writer reads them (it adds the NaN count for floats). */
type ChunkStatistics = Statistics & { nan_count?: bigint };
type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];

export interface ChunkColumn {
  readonly name: string;
  readonly type: LakeColumnType;
  readonly nullable: boolean;
  /** Min, max and null count in the footer (a reader skips row groups with them). */
  readonly statistics: boolean;
  readonly element: SchemaElement;
}

/** A page holds about this many bytes of values before the next one starts (as parquet-mr). */
const PAGE_BYTES = 1 << 20;
/** The dictionary is tried on a sample first: more distinct values than this share, and it is not. */
const SAMPLE = 1000;
const SAMPLE_DISTINCT = 0.9;
const DECIMAL_FACTOR = 1e6;

/** A growable byte buffer for one page's values (Buffer for its native UTF-8 writes). */
class Bytes {
  buf = Buffer.allocUnsafe(64 * 1024);
  at = 0;
  ensure(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }
  reset(): void {
    this.at = 0;
  }
  /** PLAIN BYTE_ARRAY: a 4-byte little-endian length, then the UTF-8 bytes. */
  string(s: string): void {
    this.ensure(4 + 3 * s.length);
    // Node's native UTF-8 write beats a charCodeAt loop even on short ASCII ids (75 vs 100+ ns).
    const n = this.buf.write(s, this.at + 4, 'utf8');
    this.buf.writeUInt32LE(n, this.at);
    this.at += 4 + n;
  }
  int32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32LE(v, this.at);
    this.at += 4;
  }
  /** An integral number as INT64, without a BigInt per value. */
  int64(v: number): void {
    this.ensure(8);
    if (Number.isSafeInteger(v)) {
      this.buf.writeUInt32LE(v >>> 0, this.at);
      this.buf.writeInt32LE(Math.floor(v / 4294967296), this.at + 4);
    } else if (Number.isInteger(v) && Math.abs(v) < 2 ** 63) {
      this.buf.writeBigInt64LE(BigInt(v), this.at);
    } else {
      throw new RangeError(`parquet INT64 value out of range: ${v}`);
    }
    this.at += 8;
  }
  decimal(v: number | bigint): void {
    if (typeof v === 'number') {
      this.int64(Math.round(v * DECIMAL_FACTOR));
      return;
    }
    this.ensure(8);
    this.buf.writeBigInt64LE(v, this.at);
    this.at += 8;
  }
  double(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.at);
    this.at += 8;
  }
  /** A plain Uint8Array view (snappy slices it per literal; Buffer#subarray is much slower). */
  bytes(): Uint8Array {
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.at);
  }
}

/** Scratch buffers reused from chunk to chunk (the processor encodes on one thread). */
const values = new Bytes();
const levelScratch = new ByteWriter(64 * 1024);
const indexScratch = new ByteWriter(64 * 1024);

function scratch(w: ByteWriter): ByteWriter {
  w.offset = 0;
  w.index = 0;
  return w;
}

/** UTF-8 byte order, which is code point order (JS `<` misorders astral characters). */
function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i > 0) {
    const prev = a.charCodeAt(i - 1);
    if (prev >= 0xd800 && prev <= 0xdbff) i--;
  }
  while (i < a.length && i < b.length) {
    const x = codePoint(a, i);
    const y = codePoint(b, i);
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

function codePoint(s: string, i: number): number {
  const c = s.codePointAt(i) ?? 0xfffd;
  return c >= 0xd800 && c <= 0xdfff ? 0xfffd : c;
}

/** The statistics hyparquet-writer would compute for these values (its metadata writer reads them). */
function statistics(type: LakeColumnType, present: readonly unknown[], nulls: number): ChunkStatistics {
  let min: unknown;
  let max: unknown;
  let nan = 0n;
  if (type === 'string') {
    for (const v of present as string[]) {
      if (min === undefined || compareStrings(v, min as string) < 0) min = v;
      if (max === undefined || compareStrings(v, max as string) > 0) max = v;
    }
  } else {
    for (const raw of present) {
      const v =
        type === 'decimal' && typeof raw === 'number' ? BigInt(Math.round(raw * DECIMAL_FACTOR)) : raw;
      if (typeof v === 'number' && Number.isNaN(v)) {
        nan++;
        continue;
      }
      if (min === undefined || (v as number) < (min as number)) min = v;
      if (max === undefined || (v as number) > (max as number)) max = v;
    }
  }
  if (min === 0) min = -0;
  if (max === 0) max = 0;
  return {
    min_value: min as Statistics['min_value'],
    max_value: max as Statistics['max_value'],
    null_count: BigInt(nulls),
    nan_count: type === 'double' ? nan : undefined,
  };
}

/**
 * For a string column: the dictionary and each present value's index in it, when the dictionary
 * and its indexes take at most half the PLAIN bytes (hyparquet-writer's rule); else null.
 */
function dictionaryOf(present: readonly string[]): { dictionary: string[]; indexes: Int32Array } | null {
  const n = present.length;
  if (n === 0) return null;
  const sample = Math.min(n, SAMPLE);
  const seen = new Set<string>();
  for (let i = 0; i < sample; i++)
    seen.add(present[sample === 1 ? 0 : Math.floor((i * (n - 1)) / (sample - 1))] as string);
  if (seen.size > SAMPLE_DISTINCT * sample) return null;
  const index = new Map<string, number>();
  const dictionary: string[] = [];
  const indexes = new Int32Array(n);
  let plainBytes = 0;
  let dictBytes = 0;
  let previous: string | undefined;
  let previousIndex = 0;
  for (let i = 0; i < n; i++) {
    const v = present[i] as string;
    plainBytes += v.length + 4;
    // A run of one value (a site, a library, a country) costs a comparison, not a hash lookup:
    // strings fresh from JSON.parse have no hash yet, and computing it reads the whole string.
    if (v === previous) {
      indexes[i] = previousIndex;
      continue;
    }
    let k = index.get(v);
    if (k === undefined) {
      k = dictionary.length;
      dictionary.push(v);
      index.set(v, k);
      dictBytes += v.length + 4;
    }
    indexes[i] = k;
    previous = v;
    previousIndex = k;
  }
  const indexBytes = Math.ceil((n * bitWidthOf(dictionary.length)) / 8);
  return 2 * (dictBytes + indexBytes) > plainBytes ? null : { dictionary, indexes };
}

function bitWidthOf(count: number): number {
  return count <= 1 ? 0 : Math.ceil(Math.log2(count));
}

/** Writes PLAIN values of rows' present values [from, to) into `values`. */
function plain(type: LakeColumnType, present: readonly unknown[], from: number, to: number): void {
  values.reset();
  switch (type) {
    case 'string':
      for (let i = from; i < to; i++) values.string(present[i] as string);
      return;
    case 'timestamp_ms':
      for (let i = from; i < to; i++) values.int64(present[i] as number);
      return;
    case 'decimal':
      // bigint: already the unscaled value (the sessions' money); number: scaled here
      for (let i = from; i < to; i++) values.decimal(present[i] as number | bigint);
      return;
    case 'int32':
      for (let i = from; i < to; i++) values.int32(present[i] as number);
      return;
    case 'double':
      for (let i = from; i < to; i++) values.double(present[i] as number);
      return;
    case 'boolean': {
      const count = to - from;
      values.ensure((count + 7) >> 3);
      const buf = values.buf;
      buf.fill(0, 0, (count + 7) >> 3);
      for (let i = 0; i < count; i++)
        if (present[from + i]) buf[i >> 3] = (buf[i >> 3] as number) | (1 << (i & 7));
      values.at = (count + 7) >> 3;
      return;
    }
  }
}

const FIXED_WIDTH: Record<LakeColumnType, number> = {
  string: 0,
  timestamp_ms: 8,
  decimal: 8,
  int32: 4,
  double: 8,
  boolean: 0.125,
};

/**
 * Row ranges of the pages: a page ends once its values reach PAGE_BYTES (estimated as hyparquet-
 * writer does: a string's length, a fixed width, an index's bits).
 */
function pageRanges(
  cells: readonly unknown[],
  type: LakeColumnType,
  dictionaryBits: number | null,
): [number, number][] {
  const n = cells.length;
  const width = dictionaryBits !== null ? dictionaryBits / 8 : FIXED_WIDTH[type];
  if (width > 0) {
    const perPage = Math.max(1, Math.floor(PAGE_BYTES / width));
    const out: [number, number][] = [];
    for (let start = 0; start < n; start += perPage) out.push([start, Math.min(n, start + perPage)]);
    if (out.length === 0) out.push([0, 0]);
    return out;
  }
  const out: [number, number][] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const v = cells[i];
    if (v === null || v === undefined) continue;
    bytes += (v as string).length;
    if (bytes >= PAGE_BYTES && i > start) {
      out.push([start, i]);
      start = i;
      bytes = (v as string).length;
    }
  }
  out.push([start, n]);
  return out;
}

/**
 * Writes one column chunk of `cells` (one value per row, null for none) at the writer's position
 * and returns its metadata as hyparquet-writer's footer writer expects it.
 */
function writeChunk(writer: ByteWriter, column: ChunkColumn, cells: readonly unknown[]): ColumnChunk {
  const { type } = column;
  const element = column.element;
  const physical = element.type;
  if (!physical) throw new Error(`column ${column.name} has no physical type`);
  const offsetStart = writer.offset;
  const n = cells.length;

  // The present values (the cells themselves when none is null).
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const v = cells[i];
    if (v === null || v === undefined) nulls++;
  }
  if (nulls > 0 && !column.nullable) throw new Error(`parquet required value is missing (${column.name})`);
  let present: readonly unknown[] = cells;
  if (nulls === n) present = [];
  else if (nulls > 0) {
    const some = new Array(n - nulls);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const v = cells[i];
      if (v !== null && v !== undefined) some[k++] = v;
    }
    present = some;
  }
  // How many present values come before row `row` (pages are visited in order).
  let scanned = 0;
  let seen = 0;
  const presentBefore = (row: number): number => {
    if (nulls === 0) return row;
    if (nulls === n) return 0;
    for (; scanned < row; scanned++) {
      const v = cells[scanned];
      if (v !== null && v !== undefined) seen++;
    }
    return seen;
  };

  const dict = type === 'string' ? dictionaryOf(present as string[]) : null;
  const bits = dict ? bitWidthOf(dict.dictionary.length) : null;
  let uncompressed = 0;
  let dictionaryPageOffset: bigint | undefined;
  if (dict) {
    dictionaryPageOffset = BigInt(writer.offset);
    values.reset();
    for (const v of dict.dictionary) values.string(v);
    const raw = values.bytes();
    const compressed = snappyCompress(raw);
    const headerStart = writer.offset;
    writePageHeader(writer, {
      type: 'DICTIONARY_PAGE',
      uncompressed_page_size: raw.byteLength,
      compressed_page_size: compressed.byteLength,
      dictionary_page_header: { num_values: dict.dictionary.length, encoding: 'PLAIN' },
    });
    uncompressed += writer.offset - headerStart + raw.byteLength;
    writer.appendBytes(compressed);
  }
  const encoding = dict ? 'RLE_DICTIONARY' : 'PLAIN';

  const dataPageOffset = BigInt(writer.offset);
  const pages = pageRanges(cells, type, bits);
  for (const [from, to] of pages) {
    const pFrom = presentBefore(from);
    const pTo = presentBefore(to);
    const pageNulls = to - from - (pTo - pFrom);
    // Definition levels (nullable columns only): 1 present, 0 null; no length prefix in V2.
    let levelBytes: Uint8Array = new Uint8Array(0);
    if (column.nullable) {
      const lw = scratch(levelScratch);
      if (pageNulls === 0 || pageNulls === to - from) {
        // one RLE run: its length, then the level (1 present, 0 null) in one byte
        lw.appendVarInt((to - from) << 1);
        lw.appendUint8(pageNulls === 0 ? 1 : 0);
      } else {
        const defs = new Uint8Array(to - from);
        for (let i = from; i < to; i++) {
          const v = cells[i];
          defs[i - from] = v === null || v === undefined ? 0 : 1;
        }
        writeRleBitPackedHybrid(lw, defs, 1);
      }
      levelBytes = lw.getBytes();
    }
    let raw: Uint8Array;
    if (dict) {
      // the indexes' bit width in one byte, then the indexes as RLE/bit-packed runs
      const page = scratch(indexScratch);
      page.appendUint8(bits as number);
      writeRleBitPackedHybrid(page, dict.indexes.subarray(pFrom, pTo), bits as number);
      raw = page.getBytes();
    } else {
      plain(type, present, pFrom, pTo);
      raw = values.bytes();
    }
    const compressed = snappyCompress(raw);
    const headerStart = writer.offset;
    writePageHeader(writer, {
      type: 'DATA_PAGE_V2',
      uncompressed_page_size: levelBytes.byteLength + raw.byteLength,
      compressed_page_size: levelBytes.byteLength + compressed.byteLength,
      data_page_header_v2: {
        num_values: to - from,
        num_nulls: pageNulls,
        num_rows: to - from,
        encoding,
        definition_levels_byte_length: levelBytes.byteLength,
        repetition_levels_byte_length: 0,
        is_compressed: true,
      },
    });
    uncompressed += writer.offset - headerStart + levelBytes.byteLength + raw.byteLength;
    writer.appendBytes(levelBytes);
    writer.appendBytes(compressed);
  }

  const encodings: Encoding[] = dict ? ['PLAIN', 'RLE_DICTIONARY'] : ['PLAIN'];
  return {
    meta_data: {
      type: physical,
      encodings,
      path_in_schema: [column.name],
      codec: 'SNAPPY',
      num_values: BigInt(n),
      total_compressed_size: BigInt(writer.offset - offsetStart),
      total_uncompressed_size: BigInt(uncompressed),
      data_page_offset: dataPageOffset,
      dictionary_page_offset: dictionaryPageOffset,
      statistics: column.statistics ? statistics(type, present, nulls) : undefined,
      encoding_stats: column.statistics
        ? [
            ...(dict
              ? [{ page_type: 'DICTIONARY_PAGE' as const, encoding: 'PLAIN' as const, count: 1 }]
              : []),
            { page_type: 'DATA_PAGE_V2' as const, encoding, count: pages.length },
          ]
        : undefined,
    },
    file_offset: BigInt(offsetStart),
  };
}

/**
 * Writes a row group of `columns` (one array of cells per column, all of `rows` length) at the
 * writer's position; returns it as the footer lists it.
 */
export function writeRowGroup(
  writer: ByteWriter,
  columns: readonly ChunkColumn[],
  data: readonly (readonly unknown[])[],
  rows: number,
): RowGroup {
  const start = writer.offset;
  const chunks: ColumnChunk[] = [];
  let totalBytes = 0n;
  columns.forEach((c, i) => {
    const chunk = writeChunk(writer, c, data[i] as unknown[]);
    totalBytes += chunk.meta_data?.total_uncompressed_size ?? 0n;
    chunks.push(chunk);
  });
  return {
    columns: chunks,
    total_byte_size: totalBytes,
    num_rows: BigInt(rows),
    total_compressed_size: BigInt(writer.offset - start),
  };
}
