// Packs the committed bundle into the ZIP Superset imports: one top folder, the YAML files, and
// the database file pointing at this instance's PostgreSQL (the committed file holds a stand-in
// URL without a password).
import { strToU8, zipSync } from 'fflate';
import { parse, stringify } from 'yaml';
import { sqlalchemyUrl } from './config.ts';
import { type BundleFiles, DATABASE_FILE } from './render-bundle.ts';

export const ZIP_ROOT = 'clickstream_dashboards';

export function zipBundle(files: BundleFiles, postgresUrl: string): Uint8Array {
  const entries: Record<string, Uint8Array> = {};
  for (const [path, text] of files) {
    let content = text;
    if (path === DATABASE_FILE) {
      const database = parse(text) as Record<string, unknown>;
      content = stringify({ ...database, sqlalchemy_uri: sqlalchemyUrl(postgresUrl) });
    }
    entries[`${ZIP_ROOT}/${path}`] = strToU8(content);
  }
  return zipSync(entries, { level: 6 });
}
