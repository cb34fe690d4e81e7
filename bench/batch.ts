// Daily batch benchmark: `npm run bench:batch [-- --events 10000000 --files 72 --skip-spark]`.
//
// Writes one day of synthetic events straight into the lake as Parquet (made by DuckDB, uploaded
// through WebHDFS; nothing goes through Kafka), on a private HDFS (.infra/bench-batch, free ports,
// stopped at the end), then measures, each as its own process, wall time and peak RSS (the whole
// process tree, sampled from /proc):
//   1. the floor: DuckDB's own `COPY (SELECT * FROM read_parquet(<the day's files>)) TO 'x.csv'`
//      over local copies of the same files (one pass over every column, no HDFS),
//   2. `npm run batch -- --date D` on DuckDB (download through WebHDFS, every mart, CSV), and
//   3. the same with `--engine spark` (Spark SQL local[2], reading hdfs:// directly).
// Numbers are what was measured on this machine in this run; nothing is extrapolated.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { endpointsOf, infraDown, infraUp, REPO_ROOT } from '@clickstream/infra';
import { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { LAKE_COLUMNS, lakeLayout } from '@clickstream/schema';
import { DuckDBInstance } from '@duckdb/node-api';
import { privateInstance } from '../infra/test/global-setup.ts';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '10000000' },
    files: { type: 'string', default: '72' },
    'skip-spark': { type: 'boolean', default: false },
    'spark-memory': { type: 'string', default: '6g' },
  },
});
const EVENTS = Number(args.events);
const FILES = Number(args.files);
const DATE = '2026-11-24';
const DAY_MS = Date.parse(`${DATE}T00:00:00Z`);
const log = (line: string) => console.log(`[bench] ${line}`);
const fmt = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '-');

const TYPES = {
  string: 'VARCHAR',
  timestamp_ms: 'TIMESTAMPTZ',
  int32: 'INTEGER',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  decimal: 'DECIMAL(18,6)',
} as const;

/**
 * Rows [from, to) of the synthetic day, in time order: 300,000 visitors, 500 pages, 40% page
 * views, the shop funnel's events, 1 in 97 a duplicate delivery, 2% bots.
 */
function daySql(from: number, to: number): string {
  const ms = `(${DAY_MS} + (i * 86400000) // ${EVENTS})`;
  const kind = 'i % 100';
  const set: Record<string, string> = {
    message_id: `'m-' || CAST(CASE WHEN i % 97 = 1 THEN i - 1 ELSE i END AS VARCHAR)`,
    site_id: `'bench-shop'`,
    type: `CASE WHEN ${kind} < 40 THEN 'page' WHEN ${kind} = 99 THEN 'identify' ELSE 'track' END`,
    event_name: `CASE WHEN ${kind} < 40 THEN 'Page Viewed' WHEN ${kind} = 99 THEN NULL WHEN ${kind} < 55 THEN 'Product Viewed'
      WHEN ${kind} < 60 THEN 'Product Added' WHEN ${kind} < 62 THEN 'Checkout Started' WHEN ${kind} < 63 THEN 'Order Completed'
      ELSE 'Element Clicked' END`,
    anonymous_id: `'v' || CAST(hash(i // 5) % 300000 AS VARCHAR)`,
    session_id: `'s' || CAST(hash(i // 5) % 300000 AS VARCHAR)`,
    event_time: `CAST(epoch_ms(${ms}) AS TIMESTAMPTZ)`,
    received_at: `CAST(epoch_ms(${ms} + 150) AS TIMESTAMPTZ)`,
    original_timestamp: `CAST(epoch_ms(${ms}) AS TIMESTAMPTZ)`,
    future_timestamp: 'false',
    page_path: `'/p/' || CAST(hash(i) % 500 AS VARCHAR)`,
    page_referrer: `CASE WHEN i % 7 = 0 THEN 'https://www.google.com/' ELSE NULL END`,
    utm_source: `CASE WHEN i % 11 = 0 THEN 'newsletter' ELSE NULL END`,
    device_type: `CASE WHEN i % 3 = 0 THEN 'mobile' ELSE 'desktop' END`,
    browser_name: `CASE WHEN i % 4 = 0 THEN 'Firefox' ELSE 'Chrome' END`,
    os_name: `CASE WHEN i % 3 = 0 THEN 'Android' ELSE 'Windows' END`,
    geo_country: `['DE', 'FR', 'US', 'GB', 'NL'][1 + i % 5]`,
    is_bot: `${kind} = 98 OR (i % 50 = 3)`,
    is_click: `${kind} >= 63 AND ${kind} < 99`,
    product_id: `CASE WHEN ${kind} >= 40 AND ${kind} < 62 THEN 'p' || CAST(i % 200 AS VARCHAR) END`,
    order_id: `CASE WHEN ${kind} = 62 THEN 'o' || CAST(i AS VARCHAR) END`,
    revenue: `CASE WHEN ${kind} = 62 THEN CAST(i % 10000 AS DOUBLE) / 100 END`,
    currency: `CASE WHEN ${kind} = 62 THEN CASE WHEN i % 2 = 0 THEN 'EUR' ELSE 'USD' END END`,
  };
  const columns = LAKE_COLUMNS.map((c) => `CAST(${set[c.name] ?? 'NULL'} AS ${TYPES[c.type]}) AS ${c.name}`);
  return `SELECT ${columns.join(', ')} FROM range(${from}, ${to}) t(i)`;
}

/** Runs a command, sampling the RSS of its whole process tree. */
async function measure(
  name: string,
  command: string,
  argv: string[],
  env: Record<string, string>,
): Promise<{ name: string; seconds: number; peakMiB: number }> {
  log(`${name}: started`);
  const t0 = performance.now();
  const child = spawn(command, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRssKiB(child.pid!));
  }, 200);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(timer);
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`${name} failed (exit ${code}):\n${output.slice(-3000)}`);
  const last = output
    .trimEnd()
    .split('\n')
    .filter((l) => l.startsWith('batch: ') || l.startsWith('floor: '))
    .pop();
  log(`${name}: ${seconds.toFixed(1)} s, peak RSS ${fmt(peak / 1024)} MiB; ${last ?? ''}`);
  return { name, seconds, peakMiB: peak / 1024 };
}

function treeRssKiB(root: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      rss.set(Number(entry), Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0));
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended meanwhile
    }
  }
  let total = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    total += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

function table(rows: ReadonlyArray<readonly string[]>): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(rows[0]!),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.slice(1).map(line),
  ].join('\n');
}

async function main() {
  log(
    `${cpus().length} cores (${cpus()[0]?.model}), Node ${process.version}; ${fmt(EVENTS)} events in ${FILES} files`,
  );
  const config = await privateInstance('bench-batch');
  await infraDown(config);
  rmSync(config.stateDir, { recursive: true, force: true });
  const cleanup = async () => {
    await infraDown(config, log);
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    await infraUp(config, log);
    const endpoints = endpointsOf(config);
    const hdfs = new WebHdfsClient({ url: endpoints.webhdfsUrl, user: endpoints.hdfsUser });
    const lake = lakeLayout('/bench');
    const local = join(config.stateDir, 'day');
    mkdirSync(local, { recursive: true });

    // 1. The day, written as Parquet by DuckDB and uploaded file by file.
    const t0 = performance.now();
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    const localFiles: string[] = [];
    let bytes = 0;
    for (let f = 0; f < FILES; f++) {
      const from = Math.floor((f * EVENTS) / FILES);
      const to = Math.floor(((f + 1) * EVENTS) / FILES);
      const hour = String(Math.floor((f * 24) / FILES)).padStart(2, '0');
      const path = join(local, `dt=${DATE}`, `hour=${hour}`, `part-${String(f).padStart(3, '0')}.parquet`);
      mkdirSync(join(path, '..'), { recursive: true });
      await connection.run(`COPY (${daySql(from, to)}) TO '${path}' (FORMAT parquet, COMPRESSION snappy)`);
      await hdfs.create(
        `${lake.eventsDir}/dt=${DATE}/hour=${hour}/${path.split('/').pop()}`,
        readFileSync(path),
      );
      localFiles.push(path);
      bytes += statSync(path).size;
    }
    connection.closeSync();
    db.closeSync();
    log(
      `wrote ${fmt(EVENTS)} events, ${FILES} files, ${fmt(bytes / 1048576)} MiB into ${lake.eventsDir}/dt=${DATE} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );

    const tsx = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
    const out = join(config.stateDir, 'out');
    const env = {
      WEBHDFS_URL: endpoints.webhdfsUrl,
      HDFS_URI: endpoints.hdfsUri,
      HDFS_USER: endpoints.hdfsUser,
      LAKE_ROOT: '/bench',
      BATCH_OUT_DIR: out,
      BATCH_WORK_DIR: join(config.stateDir, 'work'),
      POSTGRES_URL: '',
      SPARK_DRIVER_MEMORY: args['spark-memory'],
      SPARK_SHUFFLE_PARTITIONS: '8',
    };
    const floor = await measure(
      'floor: DuckDB COPY to CSV',
      tsx,
      [join(REPO_ROOT, 'bench', 'batch-floor.ts'), join(config.stateDir, 'floor.csv'), ...localFiles],
      env,
    );
    const duck = await measure(
      'batch on DuckDB',
      tsx,
      [join(REPO_ROOT, 'batch', 'src', 'cli.ts'), '--date', DATE],
      env,
    );
    const spark = args['skip-spark']
      ? null
      : await measure(
          'batch on Spark local[2]',
          tsx,
          [join(REPO_ROOT, 'batch', 'src', 'cli.ts'), '--date', DATE, '--engine', 'spark'],
          env,
        );

    const ratio = (s: number) => `${(s / floor.seconds).toFixed(2)}x`;
    const rows = [
      ['scenario', 'wall s', 'peak RSS MiB', 'events/s', 'vs floor', 'target'],
      [
        floor.name,
        floor.seconds.toFixed(1),
        fmt(floor.peakMiB),
        fmt(EVENTS / floor.seconds),
        '1.00x',
        'floor',
      ],
      [
        `${duck.name} (every mart, CSV)`,
        duck.seconds.toFixed(1),
        fmt(duck.peakMiB),
        fmt(EVENTS / duck.seconds),
        ratio(duck.seconds),
        `<= 1.25x: ${duck.seconds / floor.seconds <= 1.25 ? 'met' : 'MISSED'}`,
      ],
    ];
    if (spark)
      rows.push([
        `${spark.name} (every mart, CSV)`,
        spark.seconds.toFixed(1),
        fmt(spark.peakMiB),
        fmt(EVENTS / spark.seconds),
        ratio(spark.seconds),
        'reported',
      ]);
    console.log(`\n${table(rows)}\n`);
  } finally {
    await cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
