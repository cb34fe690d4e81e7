// Days of the lake -> the marts: for each day, list the lake days it reads, compute every mart on
// the engine (compute-day.ts), write a complete new version of the day's CSVs with its manifest,
// replace the day in PostgreSQL in one transaction, and only then make the new CSV version
// visible (write-day.ts). A failure anywhere leaves the previous version of the day in both.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebHdfsClient } from '@clickstream/infra/webhdfs';
import type { LakeLayout } from '@clickstream/schema';
import { computeDay, type DayResult } from './compute-day.ts';
import { openDuckDb } from './duckdb-engine.ts';
import type { SqlEngine } from './engine.ts';
import { exportRawCsv } from './export-raw.ts';
import { type LakeFile, lakeRelative, listDayFiles, listLakeDays, withLakeErrors } from './lake-files.ts';
import { addDays, dayWindow, utcDates } from './local-time.ts';
import { buildManifest, type Manifest } from './manifest.ts';
import type { MartTarget } from './postgres-marts.ts';
import { Progress, type ProgressSink } from './progress.ts';
import type { RealtimeSource } from './reconcile.ts';
import { DEFAULT_TIME_ZONE, type FxRates, type SiteSettings } from './sites.ts';
import { discardDayVersion, newDayVersion, publishDayVersion, writeMartCsvs } from './write-day.ts';

export interface BatchOptions {
  readonly hdfs: WebHdfsClient;
  readonly lake: LakeLayout;
  /** <outDir>/<date>/ gets the day's CSVs. */
  readonly outDir: string;
  /** For error messages. */
  readonly webhdfsUrl?: string;
  readonly sites?: readonly SiteSettings[];
  readonly fxRates?: FxRates;
  /** An engine the caller opened and closes (e.g. one Spark for many runs); default: DuckDB, opened here. */
  readonly engine?: SqlEngine;
  /** PostgreSQL schema `daily`; none: CSV only. */
  readonly postgres?: MartTarget | null;
  /** The stream's schema to reconcile with; none: the reconciliation has no rows. */
  readonly realtime?: RealtimeSource | null;
  /** Also export the lake partition dt=<date> as events.csv. */
  readonly rawCsv?: boolean;
  /** Local lake copies and spill files (a temporary folder below it, removed at the end). */
  readonly workDir?: string;
  readonly log?: (line: string) => void;
  /** Where the backfill's progress bar goes; none: no bar. */
  readonly progress?: ProgressSink;
  /** Runs when the day's files are complete but not yet visible (tests interrupt a run here). */
  readonly beforePublish?: (versionDir: string) => void | Promise<void>;
}

export interface BatchSummary {
  readonly date: string;
  /** Lake files and bytes read (the day and its neighbours). */
  readonly files: number;
  readonly bytes: number;
  /** The day's events (deduplicated, no bots), all sites. */
  readonly events: number;
  readonly sessions: number;
  /** Lake rows read (every copy, every day read). */
  readonly rowsRead: number;
  readonly dir: string;
  readonly csv: ReadonlyArray<{ readonly path: string; readonly rows: number }>;
  readonly manifest: Manifest;
}

/** One day. */
export async function runBatch(opts: BatchOptions & { readonly date: string }): Promise<BatchSummary> {
  const [summary] = await runBatches({ ...opts, from: opts.date, to: opts.date });
  return summary as BatchSummary;
}

/** Every day from `from` to `to` (inclusive), in order, on one engine. */
export async function runBatches(
  opts: BatchOptions & { readonly from: string; readonly to: string },
): Promise<BatchSummary[]> {
  const dates: string[] = [];
  for (let d = opts.from; d <= opts.to; d = addDays(d, 1)) dates.push(d);
  const log = opts.log ?? (() => {});
  const webhdfsUrl = opts.webhdfsUrl ?? 'the NameNode';
  const lakeDays = await listLakeDays(opts.hdfs, opts.lake, webhdfsUrl);
  mkdirSync(opts.workDir ?? tmpdir(), { recursive: true });
  const workDir = mkdtempSync(join(opts.workDir ?? tmpdir(), 'clickstream-batch-'));
  const engine = opts.engine ?? (await openDuckDb({ hdfs: opts.hdfs, workDir }));
  const progress = opts.progress && dates.length > 1 ? new Progress(dates.length, opts.progress) : null;
  try {
    const summaries: BatchSummary[] = [];
    for (const date of dates) {
      const summary = await withLakeErrors(webhdfsUrl, () =>
        runDay({ ...opts, log, engine, workDir, lakeDays: new Set(lakeDays) }, date),
      );
      summaries.push(summary);
      progress?.dayDone(date, summary.rowsRead);
    }
    return summaries;
  } finally {
    if (!opts.engine) await engine.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}

interface DayContext extends BatchOptions {
  readonly log: (line: string) => void;
  readonly engine: SqlEngine;
  readonly workDir: string;
  readonly lakeDays: ReadonlySet<string>;
}

async function runDay(ctx: DayContext, date: string): Promise<BatchSummary> {
  const t0 = performance.now();
  const sites = ctx.sites ?? [];
  const zones = new Set([DEFAULT_TIME_ZONE, ...sites.map((s) => s.timeZone)]);
  const readDates = [
    ...new Set(
      [...zones].flatMap((z) => {
        const w = dayWindow(z, date);
        return utcDates(w.fromMs, w.toMs);
      }),
    ),
  ].sort();
  const files: LakeFile[] = [];
  for (const dt of readDates)
    if (ctx.lakeDays.has(dt)) files.push(...(await listDayFiles(ctx.hdfs, ctx.lake, dt)));
  const historyDays = [...ctx.lakeDays].filter((d) => d < (readDates[0] as string)).sort();
  const bytes = files.reduce((n, f) => n + f.bytes, 0);
  ctx.log(
    `${date}: reading ${files.length} lake file(s), ${(bytes / 1048576).toFixed(1)} MiB, of ${readDates.join(', ')} on ${ctx.engine.description}`,
  );

  const result = await computeDay(
    ctx.engine,
    {
      date,
      sites,
      readDates,
      files,
      historyDays,
      fxRates: ctx.fxRates ?? new Map(),
      realtime: ctx.realtime ?? null,
      lake: {
        hdfs: ctx.hdfs,
        layout: ctx.lake,
        historyCacheDir: join(ctx.outDir, '.history'),
        log: (line) => ctx.log(`${date}: ${line}`),
      },
    },
    (line) => ctx.log(`${date}: ${line}`),
  );

  const computedAt = new Date();
  mkdirSync(ctx.outDir, { recursive: true });
  const version = newDayVersion(ctx.outDir, date, computedAt);
  try {
    const written = writeMartCsvs(version, result.marts);
    const rawEvents = ctx.rawCsv
      ? await exportRawCsv(
          ctx.hdfs,
          files.filter((f) => lakeRelative(f.path).startsWith(`events/dt=${date}/`)),
          version.dir,
          ctx.workDir,
        )
      : null;
    const manifest = buildManifest({
      date,
      computedAt,
      engine: ctx.engine.description,
      sites,
      lakeRoot: ctx.lake.eventsDir.replace(/\/events$/, '') || '/',
      days: readDates,
      historyDays: historyDays.length,
      files,
      result,
      marts: written,
      rawEvents,
      postgresTables: ctx.postgres ? result.marts.length : null,
    });
    writeFileSync(join(version.dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await ctx.beforePublish?.(version.dir);
    if (ctx.postgres) await ctx.postgres.replaceDay(date, result.marts);
    publishDayVersion(version);

    const dir = join(ctx.outDir, date);
    const summary = summarise(result);
    ctx.log(
      `${date}: ${summary.events} events, ${summary.sessions} sessions -> ${written.length} marts in ${dir}` +
        `${ctx.postgres ? ' and PostgreSQL schema daily' : ''} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
    return {
      date,
      files: files.length,
      bytes,
      ...summary,
      rowsRead: result.rowsRead,
      dir,
      csv: written.map((w) => ({ path: join(dir, w.file), rows: w.rows })),
      manifest,
    };
  } catch (err) {
    discardDayVersion(version);
    throw err;
  }
}

/** Events and sessions of the day, from the summary mart (all sites). */
function summarise(result: DayResult): { events: number; sessions: number } {
  const summary = result.marts.find((m) => m.mart.name === 'summary');
  const col = (name: string) => summary?.mart.columns.findIndex((c) => c.name === name) ?? -1;
  const sum = (i: number) => (summary?.rows ?? []).reduce((n, r) => n + Number(r[i] ?? 0), 0);
  return { events: sum(col('events')), sessions: sum(col('sessions')) };
}
