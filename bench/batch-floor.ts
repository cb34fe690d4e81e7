// The floor of the batch benchmark, run as its own process: DuckDB's own COPY of the day's Parquet
// files (local copies) to one CSV, every column, nothing else. Usage: batch-floor.ts OUT.csv FILE...
import { DuckDBInstance } from '@duckdb/node-api';

const [out, ...files] = process.argv.slice(2);
const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const t0 = performance.now();
const db = await DuckDBInstance.create(':memory:');
const connection = await db.connect();
const result = await connection.runAndReadAll(
  `COPY (SELECT * FROM read_parquet([${files.map(quote).join(', ')}], hive_partitioning = true))
   TO ${quote(out ?? 'floor.csv')} (FORMAT csv, HEADER true)`,
);
console.log(
  `floor: ${String(result.getRowsJson()[0]?.[0])} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
connection.closeSync();
db.closeSync();
