// npm run batch -- [--date D | --from D1 --to D2] [--engine duckdb|spark] [--raw-csv] [--out DIR]
// Without a date: yesterday (UTC). Options from the environment: config.ts. Errors a user can fix
// (no lake, no database, a bad option) print as one line.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createPool } from '@clickstream/infra/postgres';
import { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { parseEngine, readBatchConfig } from './config.ts';
import { openDuckDb } from './duckdb-engine.ts';
import type { SqlEngine } from './engine.ts';
import { BatchError } from './errors.ts';
import { OUTPUT_MARTS } from './marts/index.ts';
import { type MartTarget, openMartTarget, safeUrl } from './postgres-marts.ts';
import { hasRealtime, type RealtimeSource } from './reconcile.ts';
import { runBatches } from './run-batch.ts';
import { openSpark } from './spark-engine.ts';

const USAGE =
  'usage: npm run batch -- [--date YYYY-MM-DD | --from YYYY-MM-DD --to YYYY-MM-DD] [--engine duckdb|spark] [--raw-csv] [--out DIR]';

function day(name: string, value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`)))
    throw new BatchError(`--${name} ${value}: use YYYY-MM-DD`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      date: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      engine: { type: 'string' },
      out: { type: 'string' },
      'raw-csv': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return console.log(USAGE);
  const config = readBatchConfig();
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  if (values.date && (values.from || values.to))
    throw new BatchError(`--date or --from/--to, not both; ${USAGE}`);
  if (Boolean(values.from) !== Boolean(values.to))
    throw new BatchError(`--from and --to go together; ${USAGE}`);
  const from = day(values.from ? 'from' : 'date', values.from ?? values.date ?? yesterday);
  const to = values.to ? day('to', values.to) : from;
  if (to < from) throw new BatchError(`--to ${to} is before --from ${from}`);
  const engineName = values.engine ? parseEngine(values.engine) : config.engine;
  const outDir = resolve(values.out || config.outDir);
  const log = (line: string) => console.log(`batch: ${line}`);

  const hdfs = new WebHdfsClient({ url: config.webhdfsUrl, user: config.hdfsUser });
  let postgres: MartTarget | null = null;
  let realtime: RealtimeSource | null = null;
  if (config.postgresUrl) {
    postgres = await openMartTarget(config.postgresUrl, OUTPUT_MARTS);
    const source = {
      pool: createPool(config.postgresUrl, { applicationName: 'clickstream-batch', max: 1 }),
      schema: config.realtimeSchema,
    };
    if (await hasRealtime(source)) realtime = source;
    else await source.pool.end();
    log(
      `PostgreSQL ${safeUrl(config.postgresUrl)}: schema daily${realtime ? `, reconciled with schema ${config.realtimeSchema}` : ` (no ${config.realtimeSchema} schema: no reconciliation)`}`,
    );
  } else log('POSTGRES_URL is not set: CSV only, no reconciliation');
  mkdirSync(config.workDir, { recursive: true });
  const workDir = mkdtempSync(join(config.workDir, 'clickstream-batch-engine-'));
  let engine: SqlEngine | null = null;
  try {
    engine =
      engineName === 'spark'
        ? // Spark's log stays after the run (errors point to it).
          await openSpark({ ...config.spark, workDir: join(config.workDir, 'clickstream-batch-spark'), log })
        : await openDuckDb({
            hdfs,
            workDir,
            downloadConcurrency: config.downloadConcurrency,
            memoryLimit: config.duckdbMemory,
          });
    const t0 = performance.now();
    const summaries = await runBatches({
      hdfs,
      webhdfsUrl: config.webhdfsUrl,
      lake: config.lake,
      outDir,
      from,
      to,
      sites: config.sites,
      fxRates: config.fxRates,
      engine,
      postgres,
      realtime,
      rawCsv: values['raw-csv'],
      workDir: config.workDir,
      log,
      progress: { isTTY: Boolean(process.stdout.isTTY), write: (s) => process.stdout.write(s) },
    });
    const events = summaries.reduce((n, s) => n + s.events, 0);
    const rows = summaries.reduce((n, s) => n + s.rowsRead, 0);
    const seconds = (performance.now() - t0) / 1000;
    log(
      `${from === to ? from : `${from} .. ${to}`}: ${summaries.length} day(s), ${events} events (${rows} lake rows read, ${Math.round(rows / seconds)} rows/s) -> ${resolve(outDir)}${postgres ? ' and PostgreSQL' : ''} in ${seconds.toFixed(1)} s`,
    );
  } finally {
    await engine?.close();
    await postgres?.close();
    await realtime?.pool.end();
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  if (err instanceof BatchError) console.error(`batch: ${err.message}`);
  else {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`batch: failed: ${message.split('\n')[0]} (run with DEBUG=1 for details)`);
    if (process.env.DEBUG) console.error(err);
  }
  process.exitCode = 1;
});
