// The bundle in the repository: which dashboards it holds, where its files live, and reading and
// writing them. `npm run dashboards -- generate` rewrites the files; a unit test fails when the
// committed files differ from what the description generates.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dailyDashboard } from './daily-dashboard.ts';
import type { Dashboard } from './describe.ts';
import { liveDashboard } from './live-dashboard.ts';
import { type BundleFiles, renderBundle } from './render-bundle.ts';

export const DASHBOARDS: readonly Dashboard[] = [liveDashboard, dailyDashboard];

/** dashboards/bundle/: the generated import files, committed. */
export const BUNDLE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'bundle');

export function generateBundle(): BundleFiles {
  return renderBundle(DASHBOARDS);
}

/** The bundle's files as committed (path inside the bundle -> text). */
export function readBundle(dir: string = BUNDLE_DIR): BundleFiles {
  const files: BundleFiles = new Map();
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.yaml')) files.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

/** Replaces the folder's YAML files with `files` (files of removed charts disappear). */
export function writeBundle(files: BundleFiles, dir: string = BUNDLE_DIR): void {
  rmSync(dir, { recursive: true, force: true });
  for (const [path, text] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}
