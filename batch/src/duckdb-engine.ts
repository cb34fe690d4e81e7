// DuckDB in this process (@duckdb/node-api), over local copies of the lake files (local-lake.ts).
// Spark's names for the two functions DuckDB lacks are added as macros, so the SQL text stays one.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { LakeSource, QueryResult, SideColumn, SideValue, SqlEngine } from './engine.ts';
import { lakeColumnsSql } from './engine.ts';
import type { LakeFile } from './lake-files.ts';
import { LocalLake } from './local-lake.ts';
import { literal } from './sql.ts';
import { VisitorHistory } from './visitor-history.ts';

const MACROS = ['CREATE MACRO unix_millis(t) AS epoch_ms(t)', 'CREATE MACRO sha2(x, bits) AS sha256(x)'];

const TYPES = {
  string: 'VARCHAR',
  timestamp_ms: 'TIMESTAMP WITH TIME ZONE',
  int32: 'INTEGER',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  decimal: 'DECIMAL(18,6)',
} as const;

export interface DuckDbOptions {
  readonly hdfs: WebHdfsClient;
  /** Local copies of lake files and DuckDB's spill files go here. */
  readonly workDir: string;
  /** Lake files downloaded at a time. */
  readonly downloadConcurrency?: number;
  /** DuckDB's memory_limit (e.g. 4GB); default DuckDB's own (80% of RAM). */
  readonly memoryLimit?: string;
}

/** `read_parquet` over local files, as the lake view wants it (see SqlEngine.readLake). */
export function readParquetSql(paths: readonly string[]): string {
  return `SELECT * EXCLUDE (filename), filename AS lake_file
    FROM read_parquet([${paths.map(literal).join(', ')}],
      hive_partitioning = true, hive_types_autocast = false, union_by_name = true, filename = true)`;
}

export async function openDuckDb(opts: DuckDbOptions): Promise<DuckDbEngine> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  mkdirSync(opts.workDir, { recursive: true });
  await connection.run(`SET temp_directory = ${literal(join(opts.workDir, 'duckdb-spill'))}`);
  if (opts.memoryLimit) await connection.run(`SET memory_limit = ${literal(opts.memoryLimit)}`);
  for (const m of MACROS) await connection.run(m);
  const version = (await connection.runAndReadAll('SELECT version() AS v')).getRowObjectsJson()[0]?.v;
  const localLake = new LocalLake(opts.hdfs, join(opts.workDir, 'lake'), opts.downloadConcurrency);
  return new DuckDbEngine(db, connection, localLake, `duckdb ${String(version)}`);
}

export class DuckDbEngine implements SqlEngine {
  readonly #kinds = new Map<string, 'VIEW' | 'TABLE'>();

  readonly db: DuckDBInstance;
  readonly connection: DuckDBConnection;
  readonly localLake: LocalLake;
  readonly description: string;

  constructor(db: DuckDBInstance, connection: DuckDBConnection, localLake: LocalLake, description: string) {
    this.db = db;
    this.connection = connection;
    this.localLake = localLake;
    this.description = description;
  }

  async readLake(name: string, files: readonly LakeFile[]): Promise<void> {
    // The lake view moves on with a backfill: copies no longer read are dropped.
    if (name === 'lake') this.localLake.keepOnly(files);
    const paths = await this.localLake.localPaths(files);
    const sql =
      paths.length > 0
        ? readParquetSql(paths)
        : `SELECT ${lakeColumnsSql(TYPES, 'VARCHAR').join(', ')} WHERE false`;
    await this.view(name, sql);
  }

  async registerRows(name: string, columns: readonly SideColumn[], rows: readonly (readonly SideValue[])[]) {
    await this.drop(name);
    await this.connection.run(
      `CREATE TABLE ${name} (${columns.map((c) => `${c.name} ${c.type === 'STRING' ? 'VARCHAR' : c.type}`).join(', ')})`,
    );
    this.#kinds.set(name, 'TABLE');
    const appender = await this.connection.createAppender(name);
    for (const row of rows) {
      columns.forEach((c, i) => {
        const v = row[i];
        if (v === null || v === undefined) appender.appendNull();
        else if (c.type === 'STRING') appender.appendVarchar(String(v));
        else if (c.type === 'BIGINT') appender.appendBigInt(BigInt(v));
        else appender.appendInteger(Number(v));
      });
      appender.endRow();
    }
    appender.closeSync();
  }

  async view(name: string, sql: string): Promise<void> {
    await this.drop(name);
    await this.connection.run(`CREATE VIEW ${name} AS ${sql}`);
    this.#kinds.set(name, 'VIEW');
  }

  async materialize(name: string, sql: string): Promise<number> {
    await this.drop(name);
    await this.connection.run(`CREATE TABLE ${name} AS ${sql}`);
    this.#kinds.set(name, 'TABLE');
    const r = await this.connection.runAndReadAll(`SELECT count(*) AS n FROM ${name}`);
    return Number(r.getRowObjectsJson()[0]?.n ?? 0);
  }

  async query(sql: string): Promise<QueryResult> {
    const reader = await this.connection.runAndReadAll(sql);
    const rows = reader.getRowsJson().map((row) => row.map((v) => (v === null ? null : String(v))));
    return { columns: reader.columnNames(), rows };
  }

  async drop(name: string): Promise<void> {
    const kind = this.#kinds.get(name);
    if (!kind) return;
    await this.connection.run(`DROP ${kind} IF EXISTS ${name}`);
    this.#kinds.delete(name);
  }

  async loadHistory(source: LakeSource, days: readonly string[]): Promise<void> {
    const history = new VisitorHistory(
      source.hdfs,
      source.layout,
      this.localLake,
      source.historyCacheDir,
      source.log,
    );
    const paths = await history.cachedFiles(days, this);
    await this.view(
      'history',
      paths.length > 0
        ? `SELECT site_id, visitor, first_seen_ms FROM read_parquet([${paths.map(literal).join(', ')}])`
        : 'SELECT CAST(NULL AS VARCHAR) AS site_id, CAST(NULL AS VARCHAR) AS visitor, CAST(NULL AS BIGINT) AS first_seen_ms WHERE false',
    );
  }

  /** DuckDB's own COPY (the raw-events export and the history cache; not for marts). */
  async copyTo(sql: string, path: string, format: 'csv' | 'parquet'): Promise<void> {
    const options =
      format === 'csv' ? `FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"', NULLSTR ''` : 'FORMAT parquet';
    await this.connection.run(`COPY (${sql}) TO ${literal(path)} (${options})`);
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.db.closeSync();
  }
}
