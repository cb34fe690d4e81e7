import { LAKE_COLUMNS, type LakeRow, SESSION_COLUMNS, toLakeRow } from '@clickstream/schema';
import { collectedEvents } from '@clickstream/schema/fixtures';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { createdBy, encodeParquet, ParquetFile } from './parquet-file.ts';

const base = collectedEvents['order-completed']!;
const rows = (n: number, from = 0): LakeRow[] =>
  Array.from({ length: n }, (_, i) =>
    toLakeRow({ ...base, messageId: `m-${from + i}`, properties: { ...base.properties, revenue: from + i } }),
  );
const read = async (bytes: Uint8Array) => {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { rows: await parquetReadObjects({ file }), meta: parquetMetadata(file) };
};

describe('ParquetFile', () => {
  it('renders a complete file after every append, holding every row so far', async () => {
    const f = new ParquetFile<LakeRow>(LAKE_COLUMNS, { tailRows: 10 });
    f.append(rows(3));
    expect((await read(f.render())).rows.map((r) => r.message_id)).toEqual(['m-0', 'm-1', 'm-2']);
    f.append(rows(3, 3));
    f.append(rows(14, 6));
    f.append(rows(5, 20));
    const { rows: back, meta } = await read(f.render());
    expect(back.map((r) => r.message_id)).toEqual(rows(25).map((r) => r.message_id));
    expect(back.map((r) => r.revenue)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    // Small appends merged into one group (3+3), a big one sealed alone (14), the tail (5).
    expect(meta.row_groups.map((g) => Number(g.num_rows))).toEqual([6, 14, 5]);
    expect(f.rows).toBe(25);
  });

  it('keeps the lake types: UTC millisecond timestamps, UTF-8, nulls', async () => {
    const [row] = (await read(encodeParquet(LAKE_COLUMNS, rows(1)))).rows;
    expect(row?.event_time).toEqual(new Date(Date.parse(base.timestamp)));
    expect(row?.page_path).toBe('/checkout/complete');
    expect(row?.user_agent).toBe(base.context.userAgent);
    expect(row?.group_id ?? null).toBeNull();
  });

  it('writes money as an exact DECIMAL(18,6)', async () => {
    const session = {
      session_id: 'x',
      site_id: 's',
      visitor: 'v',
      session_start: 1,
      session_end: 2,
      duration_s: 0.001,
      events: 1,
      page_views: 1,
      landing_page: null,
      exit_page: null,
      landing_referrer: null,
      utm_source: null,
      utm_medium: null,
      utm_campaign: null,
      device_type: 'desktop',
      country: null,
      is_bounce: true,
      funnel_step: 0,
      orders: 1,
      revenue: 19_990_000n,
      currency: 'EUR',
      sdk_session_id: null,
      sdk_session_ids: 0,
      kafka_partition: 0,
    };
    const { rows: back, meta } = await read(encodeParquet(SESSION_COLUMNS, [session]));
    expect(back[0]?.revenue).toBe(19.99);
    const revenue = meta.schema.find((e) => e.name === 'revenue');
    expect(revenue).toMatchObject({ type: 'INT64', converted_type: 'DECIMAL', precision: 18, scale: 6 });
  });

  it("names its writer the way Spark's version parser reads it", async () => {
    expect(createdBy('abc123')).toMatch(/^clickstream-processor version \d+\.\d+\.\d+ \(build abc123\)$/);
    expect(createdBy('a(b)c')).not.toMatch(/\(build a\(/);
    expect((await read(encodeParquet(LAKE_COLUMNS, rows(1)))).meta.created_by).toMatch(
      /version \d+\.\d+\.\d+ \(build /,
    );
  });
});
