// The batch's SQL rule for revenue micros gives what the stream's toMicros gives, for values where
// a plain `revenue * 1e6` rounding would differ.
import { toMicros } from '@clickstream/schema';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { REVENUE_MICROS_SQL } from './prepare.ts';

const VALUES = [
  0,
  37.5,
  10.1,
  89,
  47.6,
  2.675,
  1.0000005,
  0.1234565,
  0.0078125,
  1e-7,
  5e-7,
  4.9999995e-7,
  1234567.8912345,
  999999.9999995,
  0.3,
  0.1 + 0.2,
  -1.0000005,
  -0.0000005,
  -19.99,
  123456789.1234565,
  999999999999.99,
  1e12,
  -2e12,
];

describe('revenue micros in SQL', () => {
  it('match the stream (schema toMicros) on tricky doubles', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    await c.run('CREATE TABLE t (revenue DOUBLE)');
    for (const v of [...VALUES, null])
      await c.run(`INSERT INTO t VALUES (${v === null ? 'NULL' : v.toPrecision(17)})`);
    const rows = (await c.runAndReadAll(REVENUE_MICROS_SQL('t'))).getRowsJson();
    const got = rows.map(([r, m]) => [
      r === null ? null : Number(r),
      m === null ? null : BigInt(m as string),
    ]);
    const expected = [...VALUES, null].map((v) => {
      const micros = v === null || Math.abs(v) >= 1e12 ? null : toMicros(v);
      return [v, micros];
    });
    expect(got).toEqual(expected);
    c.closeSync();
    db.closeSync();
  });
});
