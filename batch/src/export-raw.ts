// The design's Parquet-to-CSV step, as an option (--raw-csv): the lake partition dt=<date> exactly
// as stored (every column the files have, every copy, bots included) in <day>/events.csv. Always
// written by DuckDB's own COPY, whatever engine computed the marts: it is a format conversion,
// not a metric. Times are ISO 8601 UTC with milliseconds; text cells are neutralised against
// formula injection like the marts' (format.ts), by the same rule written in SQL.
import { createHash } from 'node:crypto';
import { createReadStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { LAKE_COLUMNS } from '@clickstream/schema';
import { DuckDBInstance } from '@duckdb/node-api';
import { readParquetSql } from './duckdb-engine.ts';
import type { LakeFile } from './lake-files.ts';
import { LocalLake } from './local-lake.ts';
import { literal } from './sql.ts';
import type { WrittenFile } from './write-day.ts';

const neutralised = (c: string) =>
  `CASE WHEN substr(${c}, 1, 1) IN ('=', '+', '-', '@', chr(9), chr(13), '''') THEN concat('''', ${c}) ELSE ${c} END`;

export async function exportRawCsv(
  hdfs: WebHdfsClient,
  files: readonly LakeFile[],
  dir: string,
  workDir: string,
): Promise<WrittenFile> {
  const path = join(dir, 'events.csv');
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    const paths = await new LocalLake(hdfs, join(workDir, 'raw-lake')).localPaths(files);
    if (paths.length === 0) {
      // A day without files: a header of the lake's columns.
      const header = `${[...LAKE_COLUMNS.map((c) => c.name), 'dt', 'hour'].join(',')}\n`;
      writeFileSync(path, header);
      return {
        name: 'events',
        file: 'events.csv',
        rows: 0,
        sha256: createHash('sha256').update(header).digest('hex'),
      };
    }
    await connection.run(`CREATE VIEW raw AS ${readParquetSql(paths)}`);
    const described = (await connection.runAndReadAll('DESCRIBE raw')).getRowObjectsJson() as Array<{
      column_name: string;
      column_type: string;
    }>;
    const select = described
      .filter((c) => c.column_name !== 'lake_file')
      .map(({ column_name: c, column_type: t }) =>
        t.startsWith('TIMESTAMP')
          ? `strftime(make_timestamp(epoch_ms(${c}) * 1000), '%Y-%m-%dT%H:%M:%S.%gZ') AS ${c}`
          : t === 'VARCHAR'
            ? `${neutralised(c)} AS ${c}`
            : c,
      );
    const copied = await connection.runAndReadAll(
      `COPY (SELECT ${select.join(', ')} FROM raw) TO ${literal(path)} (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"', ESCAPE '"', NULLSTR '')`,
    );
    const rows = Number((copied.getRowsJson()[0] ?? [0])[0]);
    return { name: 'events', file: 'events.csv', rows, sha256: await sha256File(path) };
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
