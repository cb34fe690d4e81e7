// The marts in PostgreSQL, schema `daily` (owned by the batch): one table per mart, with the
// CSV's columns and the same values. A day is replaced in one transaction (delete the day's rows
// of every mart, insert the new ones), so a reader never sees half a day, and a failed run leaves
// the previous version. Tables are created on first use; a table whose columns differ from the
// mart's (an older batch version) is an error that says what to do.
import { createPool, type Pool, withTransaction } from '@clickstream/infra/postgres';
import type { MartRows } from './compute-day.ts';
import { BatchError } from './errors.ts';
import type { ColumnType, Mart } from './marts/mart.ts';

/** Where a day's marts go besides the CSVs. */
export interface MartTarget {
  /** Replaces the day's rows of every mart in one transaction (a reader never sees half a day). */
  replaceDay(date: string, marts: readonly MartRows[]): Promise<void>;
  close(): Promise<void>;
}

export const SCHEMA = 'daily';

const PG_TYPES: Record<ColumnType, string> = {
  date: 'date',
  hour: 'timestamptz',
  text: 'text',
  int: 'bigint',
  money: 'numeric(38,6)',
  decimal4: 'numeric(18,4)',
  seconds: 'numeric(18,3)',
  number: 'numeric(38,6)',
};

/** PostgreSQL's name for a column type, as information_schema reports it. */
const REPORTED: Record<ColumnType, string> = {
  date: 'date',
  hour: 'timestamp with time zone',
  text: 'text',
  int: 'bigint',
  money: 'numeric',
  decimal4: 'numeric',
  seconds: 'numeric',
  number: 'numeric',
};

export function tableDdl(mart: Mart): string[] {
  const columns = mart.columns.map((c) => `${c.name} ${PG_TYPES[c.type]}`).join(', ');
  return [
    `CREATE TABLE IF NOT EXISTS ${SCHEMA}.${mart.name} (${columns})`,
    `CREATE INDEX IF NOT EXISTS ${mart.name}_date ON ${SCHEMA}.${mart.name} (date, site_id)`,
  ];
}

/** The URL without its password, for messages. */
export const safeUrl = (url: string) => url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');

export async function openMartTarget(url: string, marts: readonly Mart[]): Promise<MartTarget> {
  const pool = createPool(url, { applicationName: 'clickstream-batch', max: 2 });
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => {});
    throw new BatchError(
      `cannot reach PostgreSQL at ${safeUrl(url)} (${(err as Error).message}); start it (npm run infra:up) or set POSTGRES_URL`,
    );
  }
  await ensureTables(pool, marts);
  return {
    replaceDay: (date, rows) => replaceDay(pool, date, rows),
    close: () => pool.end(),
  };
}

async function ensureTables(pool: Pool, marts: readonly Mart[]): Promise<void> {
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
  for (const mart of marts) for (const ddl of tableDdl(mart)) await pool.query(ddl);
  const { rows } = await pool.query<{ table_name: string; column_name: string; data_type: string }>(
    `SELECT table_name, column_name, data_type FROM information_schema.columns
     WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
    [SCHEMA],
  );
  for (const mart of marts) {
    const have = rows.filter((r) => r.table_name === mart.name).map((r) => `${r.column_name} ${r.data_type}`);
    const want = mart.columns.map((c) => `${c.name} ${REPORTED[c.type]}`);
    if (have.join(',') !== want.join(','))
      throw new BatchError(
        `${SCHEMA}.${mart.name} has the columns (${have.join(', ')}), not the mart's (${want.join(', ')}): drop the table, and rerun the days you need (npm run batch -- --from ... --to ...)`,
      );
  }
}

/** Rows per INSERT: PostgreSQL takes at most 65535 parameters per statement. */
const MAX_PARAMETERS = 60_000;

async function replaceDay(pool: Pool, date: string, marts: readonly MartRows[]): Promise<void> {
  await withTransaction(pool, async (client) => {
    for (const { mart, rows } of marts) {
      await client.query(`DELETE FROM ${SCHEMA}.${mart.name} WHERE date = $1`, [date]);
      const width = mart.columns.length;
      const perInsert = Math.max(1, Math.floor(MAX_PARAMETERS / width));
      for (let i = 0; i < rows.length; i += perInsert) {
        const chunk = rows.slice(i, i + perInsert);
        const values = chunk
          .map(
            (_, r) =>
              `(${mart.columns.map((c, k) => `$${r * width + k + 1}::${PG_TYPES[c.type]}`).join(', ')})`,
          )
          .join(', ');
        await client.query(`INSERT INTO ${SCHEMA}.${mart.name} VALUES ${values}`, chunk.flat());
      }
    }
  });
}
