// npm run batch -- --date YYYY-MM-DD [--out DIR]
// Environment: WEBHDFS_URL (http://127.0.0.1:9870), HDFS_USER (clickstream), LAKE_ROOT (/clickstream),
// BATCH_OUT_DIR (out/ in the repository).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '@clickstream/infra';
import { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { lakeLayout } from '@clickstream/schema';
import { runBatch } from './run-batch.ts';

function fail(message: string): never {
  console.error(`batch: ${message}`);
  process.exit(1);
}

async function main() {
  const { values } = parseArgs({
    options: { date: { type: 'string' }, out: { type: 'string' } },
    strict: true,
  });
  const date = values.date ?? new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    fail(`--date ${date}: use YYYY-MM-DD`);
  }
  const env = process.env;
  const hdfs = new WebHdfsClient({
    url: env.WEBHDFS_URL || 'http://127.0.0.1:9870',
    user: env.HDFS_USER || 'clickstream',
  });
  const outDir = resolve(values.out || env.BATCH_OUT_DIR || resolve(REPO_ROOT, 'out'));
  const summary = await runBatch({
    hdfs,
    lake: lakeLayout(env.LAKE_ROOT || undefined),
    date,
    outDir,
    log: (line) => console.log(`batch: ${line}`),
  });
  console.log(
    `batch: ${summary.date}: ${summary.events} events -> ${summary.csv.length} CSV files in ${resolve(outDir, date)}`,
  );
}

main().catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
