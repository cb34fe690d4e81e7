// New or returning needs every visitor seen before the day. For DuckDB the batch keeps an index:
// per lake day, each visitor's first non-bot event (FIRST_SEEN_SQL), as a small Parquet file in
// <cacheDir>/dt=YYYY-MM-DD.parquet, with the day's fingerprint (lake-files.ts) beside it. A day is
// indexed once and again only when its files changed, so only the first run on an existing lake
// reads its whole history. (Spark reads the history days from HDFS directly: spark-engine.ts.)
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WebHdfsClient } from '@clickstream/infra/webhdfs';
import type { LakeLayout } from '@clickstream/schema';
import type { DuckDbEngine } from './duckdb-engine.ts';
import { readParquetSql } from './duckdb-engine.ts';
import { dayFingerprint, listDayFiles } from './lake-files.ts';
import type { LocalLake } from './local-lake.ts';
import { FIRST_SEEN_SQL } from './prepare.ts';

export class VisitorHistory {
  readonly hdfs: WebHdfsClient;
  readonly lake: LakeLayout;
  readonly localLake: LocalLake;
  readonly cacheDir: string;
  readonly log: (line: string) => void;

  constructor(
    hdfs: WebHdfsClient,
    lake: LakeLayout,
    localLake: LocalLake,
    cacheDir: string,
    log: (line: string) => void,
  ) {
    this.hdfs = hdfs;
    this.lake = lake;
    this.localLake = localLake;
    this.cacheDir = cacheDir;
    this.log = log;
  }

  /** The index files of the given days, building the missing or outdated ones. */
  async cachedFiles(days: readonly string[], engine: DuckDbEngine): Promise<string[]> {
    mkdirSync(this.cacheDir, { recursive: true });
    const paths: string[] = [];
    let built = 0;
    for (const dt of days) {
      const parquet = join(this.cacheDir, `dt=${dt}.parquet`);
      const meta = join(this.cacheDir, `dt=${dt}.json`);
      const fingerprint = await dayFingerprint(this.hdfs, this.lake, dt);
      const cached = existsSync(meta)
        ? (JSON.parse(readFileSync(meta, 'utf8')) as { fingerprint: string; visitors: boolean })
        : null;
      if (cached?.fingerprint !== fingerprint) {
        if (built === 0)
          this.log(`visitor history: indexing earlier lake days (each once) for new vs returning`);
        const files = await listDayFiles(this.hdfs, this.lake, dt);
        let visitors = false;
        if (files.length > 0) {
          await engine.view('history_day', readParquetSql(await this.localLake.localPaths(files)));
          await engine.copyTo(FIRST_SEEN_SQL('history_day'), `${parquet}.tmp`, 'parquet');
          renameSync(`${parquet}.tmp`, parquet);
          await engine.drop('history_day');
          this.localLake.forget(files);
          visitors = true;
        }
        writeFileSync(`${meta}.tmp`, JSON.stringify({ fingerprint, visitors }));
        renameSync(`${meta}.tmp`, meta);
        built += 1;
        if (visitors) paths.push(parquet);
      } else if (cached.visitors) paths.push(parquet);
    }
    if (built > 0) this.log(`visitor history: indexed ${built} lake day(s) in ${this.cacheDir}`);
    return paths;
  }
}
