// Each day's manifest.json: when and how the day was computed, and from exactly which lake files
// with how many rows, so a reader can tell whether late data arrived since (list the lake's
// dt=... folders and compare sizes and modification times) and rerun the day.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@clickstream/infra';
import type { DayResult } from './compute-day.ts';
import type { LakeFile } from './lake-files.ts';
import { lakeRelative } from './lake-files.ts';
import type { SiteSettings } from './sites.ts';
import type { WrittenFile } from './write-day.ts';

export interface Manifest {
  readonly date: string;
  readonly computedAt: string;
  /** Batch package version and the repository commit it ran from. */
  readonly version: string;
  readonly engine: string;
  readonly sites: ReadonlyArray<{ siteId: string; timeZone: string; reportingCurrency: string | null }>;
  readonly lake: {
    readonly root: string;
    /** The UTC lake days read (the day and its neighbours). */
    readonly days: readonly string[];
    readonly historyDays: number;
    readonly rows: number;
    readonly files: ReadonlyArray<{ path: string; bytes: number; modified: string; rows: number }>;
  };
  readonly eventsAfterDeduplication: number;
  readonly marts: readonly WrittenFile[];
  readonly rawEvents: WrittenFile | null;
  readonly postgres: { readonly schema: 'daily'; readonly tables: number } | null;
}

let version: string | null = null;
/** `0.0.0+abc1234` (the commit, when the batch runs from a git checkout). */
export function batchVersion(): string {
  if (version === null) {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'batch', 'package.json'), 'utf8')) as {
      version: string;
    };
    const git = spawnSync('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
    version = `${pkg.version}+${git.status === 0 ? git.stdout.trim() : 'unknown'}`;
  }
  return version;
}

export function buildManifest(args: {
  date: string;
  computedAt: Date;
  engine: string;
  sites: readonly SiteSettings[];
  lakeRoot: string;
  days: readonly string[];
  historyDays: number;
  files: readonly LakeFile[];
  result: DayResult;
  marts: readonly WrittenFile[];
  rawEvents: WrittenFile | null;
  postgresTables: number | null;
}): Manifest {
  const rowsOf = new Map(args.result.files.map((f) => [f.file, f.events]));
  return {
    date: args.date,
    computedAt: args.computedAt.toISOString(),
    version: batchVersion(),
    engine: args.engine,
    sites: args.sites.map((s) => ({
      siteId: s.siteId,
      timeZone: s.timeZone,
      reportingCurrency: s.reportingCurrency,
    })),
    lake: {
      root: args.lakeRoot,
      days: args.days,
      historyDays: args.historyDays,
      rows: args.result.rowsRead,
      files: args.files.map((f) => {
        const path = lakeRelative(f.path);
        return {
          path,
          bytes: f.bytes,
          modified: new Date(f.modified).toISOString(),
          rows: rowsOf.get(path) ?? 0,
        };
      }),
    },
    eventsAfterDeduplication: args.result.eventsRead,
    marts: args.marts,
    rawEvents: args.rawEvents,
    postgres: args.postgresTables === null ? null : { schema: 'daily', tables: args.postgresTables },
  };
}
