// A day's CSV files, replaced atomically. Each run writes a complete new version of the day in
// <out>/.versions/<date>/<version>/ (every mart, the manifest, the optional raw export), and only
// then points the link <out>/<date> at it: a symbolic link renamed over the old one, which is one
// atomic step. A reader of <out>/<date>/x.csv sees the old day or the new day, never a mix, and a
// run killed before the switch leaves the previous version in place. The version before the
// current one is kept (a reader may still be in it); older ones and abandoned ones are removed.
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import type { MartRows } from './compute-day.ts';
import { csvLine } from './format.ts';

export interface WrittenFile {
  readonly name: string;
  readonly file: string;
  readonly rows: number;
  readonly sha256: string;
}

export interface DayVersion {
  /** Where the files are written before the switch. */
  readonly dir: string;
  readonly date: string;
  readonly outDir: string;
}

/** A fresh, not yet visible version folder for the day. */
export function newDayVersion(outDir: string, date: string, computedAt: Date): DayVersion {
  const stamp = computedAt.toISOString().replace(/[-:.]/g, '');
  const dir = join(outDir, '.versions', date, `${stamp}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return { dir, date, outDir };
}

/** Writes one CSV per mart into the version folder. */
export function writeMartCsvs(version: DayVersion, marts: readonly MartRows[]): WrittenFile[] {
  return marts.map(({ mart, rows }) => {
    const types = mart.columns.map((c) => c.type);
    const text = csvLine(mart.columns.map((c) => c.name)) + rows.map((r) => csvLine(r, types)).join('');
    const file = `${mart.name}.csv`;
    writeFileSync(join(version.dir, file), text);
    return {
      name: mart.name,
      file,
      rows: rows.length,
      sha256: createHash('sha256').update(text).digest('hex'),
    };
  });
}

/** Makes the version the day's current one (one atomic rename), then removes stale versions. */
export function publishDayVersion(version: DayVersion): void {
  const link = join(version.outDir, version.date);
  const target = join('.versions', version.date, basename(version.dir));
  let previous: string | null = null;
  if (existsSync(link) || isLink(link)) {
    if (isLink(link)) previous = basename(readlinkSync(link));
    else {
      // A day written by the batch before versions existed: keep it as the previous version.
      previous = `legacy-${Date.now()}`;
      renameSync(link, join(version.outDir, '.versions', version.date, previous));
    }
  }
  const tmpLink = join(version.outDir, `.${version.date}.link-${process.pid}`);
  rmSync(tmpLink, { force: true });
  symlinkSync(target, tmpLink);
  renameSync(tmpLink, link);
  const versions = join(version.outDir, '.versions', version.date);
  for (const name of readdirSync(versions))
    if (name !== basename(version.dir) && name !== previous)
      rmSync(join(versions, name), { recursive: true, force: true });
}

/** Removes an unpublished version (a failed run). */
export function discardDayVersion(version: DayVersion): void {
  rmSync(version.dir, { recursive: true, force: true });
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
