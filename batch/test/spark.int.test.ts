// The same SQL on both engines: Spark SQL (local[2], reading the lake from HDFS directly) gives the
// same marts as DuckDB for the known day, byte for byte. One Spark process serves the whole file
// (a JVM with Spark takes long to start and to warm up; the first day is the slow one).
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { lakeLayout } from '@clickstream/schema';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readBatchConfig } from '../src/config.ts';
import { runBatch } from '../src/run-batch.ts';
import { openSpark, type SparkEngine } from '../src/spark-engine.ts';
import { DATE, expectKnownMarts, FX_RATES, SITES, writeKnownLake } from './known-day.ts';

const { webhdfsUrl, hdfsUser, hdfsUri } = inject('infra');
const hdfs = new WebHdfsClient({ url: webhdfsUrl, user: hdfsUser });
const MINUTES = 60_000;

describe('DuckDB and Spark SQL give identical marts', () => {
  let spark: SparkEngine;
  const t0 = performance.now();
  beforeAll(async () => {
    const { spark: settings } = readBatchConfig({ INFRA_JARS_DIR: process.env.INFRA_JARS_DIR });
    spark = await openSpark({
      ...settings,
      master: 'local[2]',
      hdfsUri,
      driverMemory: '1g',
      shufflePartitions: 1,
      // For a small day, compiling code and JIT-compiling Spark cost more than they save: these
      // settings made the test's day about 4x faster (batch/README.md, Spark).
      conf: ['spark.sql.codegen.wholeStage=false', 'spark.sql.adaptive.enabled=false'],
      javaOptions: ['-XX:TieredStopAtLevel=1'],
      workDir: mkdtempSync(join(tmpdir(), 'spark-test-')),
    });
    console.log(`spark: ${spark.description} started in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }, 10 * MINUTES);
  afterAll(() => spark?.close());

  it(
    'for the known day, every CSV byte for byte',
    async () => {
      const lake = lakeLayout(`/test/spark-${Date.now()}`);
      await writeKnownLake(hdfs, lake);
      const options = { hdfs, lake, date: DATE, sites: SITES, fxRates: FX_RATES };
      const duck = mkdtempSync(join(tmpdir(), 'duckdb-'));
      await runBatch({ ...options, outDir: duck });
      const t1 = performance.now();
      const sparkOut = mkdtempSync(join(tmpdir(), 'spark-'));
      const summary = await runBatch({ ...options, outDir: sparkOut, engine: spark });
      console.log(`spark: the known day in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
      expect(summary.manifest.engine).toMatch(/^spark 4\.\d+\.\d+ local\[2\]$/);
      const csvs = readdirSync(join(duck, DATE)).filter((f) => f.endsWith('.csv'));
      expect(readdirSync(join(sparkOut, DATE)).filter((f) => f.endsWith('.csv'))).toEqual(csvs);
      for (const f of csvs)
        expect(readFileSync(join(sparkOut, DATE, f), 'utf8'), f).toBe(
          readFileSync(join(duck, DATE, f), 'utf8'),
        );
      expectKnownMarts(join(sparkOut, DATE));
      // Both read the same files and rows.
      const files = (dir: string) =>
        JSON.parse(readFileSync(join(dir, DATE, 'manifest.json'), 'utf8')).lake.files;
      expect(files(sparkOut)).toEqual(files(duck));
    },
    30 * MINUTES,
  );
});
