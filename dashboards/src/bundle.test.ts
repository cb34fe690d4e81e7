import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DASHBOARDS, generateBundle, readBundle } from './bundle.ts';
import { chartsOf } from './describe.ts';
import { DATABASE_FILE, PLACEHOLDER_URI } from './render-bundle.ts';
import { uuid5 } from './uuid5.ts';
import { ZIP_ROOT, zipBundle } from './zip-bundle.ts';

describe('the committed bundle', () => {
  it('equals what the description generates (run `npm run dashboards -- generate` after a change)', () => {
    const committed = readBundle();
    const generated = generateBundle();
    expect([...committed.keys()].sort()).toEqual([...generated.keys()].sort());
    for (const [path, text] of generated) expect(committed.get(path), path).toBe(text);
  });

  it('holds every chart of both dashboards once, each linked to its dataset and dashboard', () => {
    const files = generateBundle();
    const yamlOf = (prefix: string) =>
      [...files].filter(([path]) => path.startsWith(prefix)).map(([, text]) => parse(text));
    const charts = yamlOf('charts/');
    const datasets = new Set(yamlOf('datasets/').map((d) => d.uuid));
    const all = DASHBOARDS.flatMap(chartsOf);
    expect(charts).toHaveLength(all.length);
    // Titles are unique: the tests find a chart in Superset by its title.
    expect(new Set(all.map((c) => c.title)).size).toBe(all.length);
    expect(new Set(charts.map((c) => c.uuid)).size).toBe(all.length);
    for (const c of charts) {
      expect(datasets.has(c.dataset_uuid), c.slice_name).toBe(true);
      expect(typeof c.query_context).toBe('string');
      expect(JSON.parse(c.query_context).queries).toHaveLength(1);
    }
    for (const d of yamlOf('dashboards/')) {
      const nodes = Object.values(d.position).filter((n) => (n as { type?: string }).type === 'CHART');
      for (const n of nodes as { meta: { uuid: string; chartId: number } }[]) {
        expect(charts.some((c) => c.uuid === n.meta.uuid)).toBe(true);
        expect(Number.isInteger(n.meta.chartId)).toBe(true);
      }
    }
  });
});

describe('uuid5', () => {
  it("matches Python's uuid.uuid5", () => {
    // python3 -c "import uuid; print(uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org'))"
    expect(uuid5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org')).toBe(
      '886313e1-3b8a-5372-9b90-0c9aee199e5d',
    );
    expect(uuid5('6ba7b811-9dad-11d1-80b4-00c04fd430c8', 'https://example.com/a')).toBe(
      '6639460f-3425-5329-8097-a58f06127860',
    );
  });
});

describe('zipBundle', () => {
  it('puts every file under one top folder and points the database at the given PostgreSQL', () => {
    const files = generateBundle();
    const zip = unzipSync(zipBundle(files, 'postgres://clickstream:pw@127.0.0.1:6543/clickstream'));
    expect(Object.keys(zip).sort()).toEqual([...files.keys()].map((p) => `${ZIP_ROOT}/${p}`).sort());
    const database = parse(strFromU8(zip[`${ZIP_ROOT}/${DATABASE_FILE}`]!));
    expect(database.sqlalchemy_uri).toBe('postgresql+psycopg2://clickstream:pw@127.0.0.1:6543/clickstream');
    expect(parse(files.get(DATABASE_FILE)!).sqlalchemy_uri).toBe(PLACEHOLDER_URI);
  });
});
