// The batch's one reader of the environment. Every option, its variable and its default:
//
//   WEBHDFS_URL              http://127.0.0.1:9870   NameNode HTTP (listing the lake; DuckDB downloads through it)
//   HDFS_USER                clickstream             WebHDFS user.name
//   HDFS_URI                 hdfs://127.0.0.1:8020   NameNode RPC: where Spark reads the lake directly
//   LAKE_ROOT                /clickstream            HDFS folder of the lake (events/ lives below it)
//   BATCH_OUT_DIR            out/ in the repository  <out>/<date>/*.csv, <out>/.versions, <out>/.history
//   BATCH_SITES              (none: all UTC)         JSON [{"siteId","timeZone","reportingCurrency"}] (sites.ts)
//   BATCH_FX_RATES           (none)                  JSON {"USD/EUR":"0.9215"}: rates for the reporting currency
//   BATCH_ENGINE             duckdb                  duckdb | spark (--engine wins)
//   BATCH_WORK_DIR           (system temp)           local lake copies and DuckDB spill files
//   BATCH_DOWNLOAD_CONCURRENCY 4                     lake files downloaded at a time (DuckDB)
//   BATCH_DUCKDB_MEMORY      (DuckDB's: 80% of RAM)  DuckDB's memory_limit, e.g. 4GB; beyond it DuckDB spills to BATCH_WORK_DIR
//   POSTGRES_URL             (none: CSV only)        postgres://user:pass@host:port/db: marts also go to schema daily
//   BATCH_REALTIME_SCHEMA    realtime                the processor's schema the reconciliation reads
//   SPARK_MASTER             local[2]                any Spark master URL (spark://..., yarn, k8s://...)
//   SPARK_DRIVER_MEMORY      2g                      heap of the Spark JVM this batch starts
//   SPARK_SHUFFLE_PARTITIONS 4                       spark.sql.shuffle.partitions
//   SPARK_CONF               (none)                  more Spark settings: key=value,key=value
//   SPARK_JAVA_OPTIONS       (none)                  more JVM options for the Spark process, space-separated
//   INFRA_JARS_DIR           .infra/jars             where `npm run infra:fetch` put the Spark jars (<dir>/spark)
//   JAVA_HOME                (PATH)                  the Java (17+) that runs Spark
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { REPO_ROOT } from '@clickstream/infra';
import { type LakeLayout, lakeLayout } from '@clickstream/schema';
import { BatchError } from './errors.ts';
import { type FxRates, parseFxRates, parseSites, type SiteSettings } from './sites.ts';

export type EngineName = 'duckdb' | 'spark';

export interface SparkSettings {
  readonly master: string;
  readonly hdfsUri: string;
  readonly driverMemory: string;
  readonly shufflePartitions: number;
  /** Further Spark settings. */
  readonly conf: readonly string[];
  readonly javaOptions: readonly string[];
  readonly jarsDir: string;
  readonly javaHome: string | undefined;
}

export interface BatchConfig {
  readonly webhdfsUrl: string;
  readonly hdfsUser: string;
  readonly lake: LakeLayout;
  readonly outDir: string;
  readonly sites: readonly SiteSettings[];
  readonly fxRates: FxRates;
  readonly engine: EngineName;
  readonly workDir: string;
  readonly downloadConcurrency: number;
  readonly duckdbMemory: string | undefined;
  readonly postgresUrl: string | undefined;
  readonly realtimeSchema: string;
  readonly spark: SparkSettings;
}

type Env = Readonly<Record<string, string | undefined>>;

function positiveInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new BatchError(`${name}=${raw} must be a positive integer`);
  return n;
}

const absolute = (p: string) => (isAbsolute(p) ? p : resolve(p));

export function parseEngine(raw: string): EngineName {
  if (raw === 'duckdb' || raw === 'spark') return raw;
  throw new BatchError(`engine ${raw}: use duckdb or spark`);
}

function memory(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(raw))
    throw new BatchError(`BATCH_DUCKDB_MEMORY=${raw}: use a size like 4GB`);
  return raw;
}

function identifier(name: string, value: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(value))
    throw new BatchError(`${name}=${value}: use lower-case letters, digits, _`);
  return value;
}

function sparkConf(raw: string | undefined): string[] {
  const pairs = (raw || '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  for (const p of pairs)
    if (!/^spark\.[\w.]+=.+$/.test(p)) throw new BatchError(`SPARK_CONF: ${p} is not spark.key=value`);
  return pairs;
}

export function readBatchConfig(env: Env = process.env): BatchConfig {
  let lake: LakeLayout;
  try {
    lake = lakeLayout(env.LAKE_ROOT || undefined);
  } catch (err) {
    throw new BatchError(`LAKE_ROOT: ${(err as Error).message}`);
  }
  return {
    webhdfsUrl: env.WEBHDFS_URL || 'http://127.0.0.1:9870',
    hdfsUser: env.HDFS_USER || 'clickstream',
    lake,
    outDir: absolute(env.BATCH_OUT_DIR || join(REPO_ROOT, 'out')),
    sites: parseSites(env.BATCH_SITES),
    fxRates: parseFxRates(env.BATCH_FX_RATES),
    engine: parseEngine(env.BATCH_ENGINE || 'duckdb'),
    workDir: absolute(env.BATCH_WORK_DIR || tmpdir()),
    downloadConcurrency: positiveInt(env, 'BATCH_DOWNLOAD_CONCURRENCY', 4),
    duckdbMemory: memory(env.BATCH_DUCKDB_MEMORY),
    postgresUrl: env.POSTGRES_URL || undefined,
    realtimeSchema: identifier('BATCH_REALTIME_SCHEMA', env.BATCH_REALTIME_SCHEMA || 'realtime'),
    spark: {
      master: env.SPARK_MASTER || 'local[2]',
      hdfsUri: (env.HDFS_URI || 'hdfs://127.0.0.1:8020').replace(/\/+$/, ''),
      driverMemory: env.SPARK_DRIVER_MEMORY || '2g',
      shufflePartitions: positiveInt(env, 'SPARK_SHUFFLE_PARTITIONS', 4),
      conf: sparkConf(env.SPARK_CONF),
      javaOptions: (env.SPARK_JAVA_OPTIONS || '').split(/\s+/).filter(Boolean),
      jarsDir: absolute(env.INFRA_JARS_DIR || join(REPO_ROOT, '.infra', 'jars')),
      javaHome: env.JAVA_HOME || undefined,
    },
  };
}
