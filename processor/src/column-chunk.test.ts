// The fast column writer against hyparquet-writer's general one: for every lake column type, with
// and without nulls, dictionary and plain strings, hostile text and several pages per chunk, both
// files read back the same, and their footers hold the same statistics.
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { seeded } from '../test/helpers.ts';
import { type ColumnSpec, encodeParquet, parquetSchema, STATISTICS } from './parquet-file.ts';

const columns: ColumnSpec[] = [
  { name: 'site_id', type: 'string', nullable: false },
  { name: 'message_id', type: 'string', nullable: false },
  { name: 'page_path', type: 'string', nullable: true },
  { name: 'product_id', type: 'string', nullable: true },
  { name: 'order_id', type: 'string', nullable: true },
  { name: 'properties', type: 'string', nullable: true },
  { name: 'event_time', type: 'timestamp_ms', nullable: false },
  { name: 'session_end', type: 'timestamp_ms', nullable: true },
  { name: 'funnel_step', type: 'int32', nullable: false },
  { name: 'screen_width', type: 'int32', nullable: true },
  { name: 'revenue', type: 'double', nullable: true },
  { name: 'is_bot', type: 'boolean', nullable: false },
  { name: 'is_bounce', type: 'boolean', nullable: true },
  { name: 'orders_value', type: 'decimal', nullable: true },
];

const HOSTILE = [
  'ümlaut/straße',
  '日本語のページ',
  'emoji 🛒🧾',
  '\u{10ffff}',
  '\uffff',
  'lone \ud800 surrogate',
  'nul\u0000byte',
  "'; DROP TABLE events; --",
  '',
];

function makeRows(n: number, seed: number, long = false) {
  const random = seeded(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)] as T;
  return Array.from({ length: n }, (_, i) => ({
    site_id: pick(['shop', 'blog']),
    message_id: `m-${seed}-${i}-${Math.floor(random() * 1e9).toString(36)}`,
    page_path: random() < 0.2 ? null : pick(['/', '/p/cup', '/cart', ...HOSTILE]),
    product_id: null,
    order_id: random() < 0.9 ? null : `order-${i}`,
    properties: long ? `{"blob":"${'x'.repeat(500 + Math.floor(random() * 1500))}${pick(HOSTILE)}"}` : null,
    event_time: Date.UTC(2026, 10, 30) + Math.floor((random() - 0.5) * 2 * 86_400_000 * 365 * 80),
    session_end: random() < 0.5 ? null : -Math.floor(random() * 1e12),
    funnel_step: Math.floor(random() * 5) - 1,
    screen_width: random() < 0.3 ? null : pick([-1, 0, 1920, 2 ** 31 - 1, -(2 ** 31)]),
    revenue: random() < 0.5 ? null : pick([0, -0, 19.99, -5.5, 1e15, Number.NaN]),
    is_bot: random() < 0.1,
    is_bounce: random() < 0.3 ? null : random() < 0.5,
    orders_value: random() < 0.5 ? null : pick([19_990_000n, -1n, 0n, 2n ** 62n]),
  }));
}

/** A lone surrogate becomes U+FFFD, as UTF-8 encoders write it. */
const wellFormed = (s: string) =>
  s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

const toArrayBuffer = (bytes: Uint8Array) =>
  bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

/** The same rows through hyparquet-writer's general path, with the same schema and statistics. */
function reference(rows: readonly Record<string, unknown>[], withStats: ReadonlySet<string>) {
  return new Uint8Array(
    parquetWriteBuffer({
      schema: parquetSchema(columns),
      codec: 'SNAPPY',
      rowGroupSize: rows.length,
      columnData: columns.map((c) => ({
        name: c.name,
        data: rows.map((r) => r[c.name]),
        nullable: c.nullable,
        statistics: withStats.has(c.name),
      })),
    }),
  );
}

describe('writeRowGroup', () => {
  for (const [name, n, long] of [
    ['one row', 1, false],
    ['a few thousand rows', 3000, false],
    ['several pages per chunk', 4000, true],
  ] as const) {
    it(`reads back as hyparquet-writer's file does, with the same statistics: ${name}`, async () => {
      const rows = makeRows(n, n, long);
      const ours = toArrayBuffer(encodeParquet(columns, rows));
      const theirs = toArrayBuffer(reference(rows, STATISTICS));
      // hyparquet-writer's double dictionary turns -0 into 0; we keep the -0 that came in
      const zero = (r: Record<string, unknown>): Record<string, unknown> => ({
        ...r,
        revenue: r.revenue === 0 ? 0 : r.revenue,
      });
      const a = (await parquetReadObjects({ file: ours })).map(zero);
      const b = (await parquetReadObjects({ file: theirs })).map(zero);
      expect(a).toHaveLength(n);
      expect(a).toEqual(b);
      // and the values are the input's (strings byte for byte, a lone surrogate as U+FFFD)
      expect(a.map((r) => r.message_id)).toEqual(rows.map((r) => r.message_id));
      expect(a.map((r) => r.page_path)).toEqual(
        rows.map((r) => (r.page_path === null ? null : wellFormed(r.page_path))),
      );
      expect(a.map((r) => (r.event_time as Date).getTime())).toEqual(rows.map((r) => r.event_time));

      const [ma, mb] = [parquetMetadata(ours), parquetMetadata(theirs)];
      expect(ma.num_rows).toBe(BigInt(n));
      const statsOf = (m: typeof ma) =>
        m.row_groups[0]?.columns.map((c) => ({
          name: c.meta_data?.path_in_schema.join('.'),
          values: c.meta_data?.num_values,
          stats: c.meta_data?.statistics && {
            min: c.meta_data.statistics.min_value,
            max: c.meta_data.statistics.max_value,
            nulls: c.meta_data.statistics.null_count,
          },
        }));
      expect(statsOf(ma)).toEqual(statsOf(mb));
      if (long) {
        const props = ma.row_groups[0]?.columns.find((c) => c.meta_data?.path_in_schema[0] === 'properties');
        expect(props?.meta_data?.total_uncompressed_size).toBeGreaterThan(2n * 1024n * 1024n);
      }
    });
  }

  it('dictionary-encodes a repetitive string column and writes a unique one plain', () => {
    const rows = makeRows(2000, 7);
    const meta = parquetMetadata(toArrayBuffer(encodeParquet(columns, rows)));
    const encodings = (name: string) =>
      meta.row_groups[0]?.columns.find((c) => c.meta_data?.path_in_schema[0] === name)?.meta_data?.encodings;
    expect(encodings('site_id')).toContain('RLE_DICTIONARY');
    expect(encodings('message_id')).toEqual(['PLAIN']);
  });

  it('refuses a missing value in a required column', () => {
    const rows = makeRows(3, 1).map((r, i) => (i === 1 ? { ...r, site_id: null } : r));
    expect(() => encodeParquet(columns, rows)).toThrow(/site_id/);
  });
});
