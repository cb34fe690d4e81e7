// Apache Superset for real: installed (or reused), started, the committed bundle imported, logged in
// through the API. For every chart of both dashboards, Superset's numbers must equal the same
// numbers read directly from PostgreSQL: over everything seeded, and (daily charts) for one known
// day through the dashboard's date filter. Then Chromium opens both dashboards, checks that every
// chart drew something and no error, and saves screenshots under test-artifacts/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@clickstream/infra';
import { launchChromium } from '@clickstream/infra/chromium';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DASHBOARDS, readBundle } from '../src/bundle.ts';
import { chartsOf } from '../src/describe.ts';
import { CSV_UPLOAD_SCHEMA, DATABASE_NAME } from '../src/render-bundle.ts';
import { zipBundle } from '../src/zip-bundle.ts';
import { canonical, EXPECTED, expectedQuery } from './expected.ts';
import { refreshRealtime, seedOnce } from './seed.ts';
import { type SharedSuperset, SUPERSET_START_TIMEOUT_MS, sharedSuperset } from './shared-superset.ts';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const pool = new pg.Pool({ connectionString: inject('infra').postgresUrl, max: 4 });
let superset: SharedSuperset;
let days: string[];

beforeAll(async () => {
  days = await seedOnce(pool);
  superset = await sharedSuperset();
}, SUPERSET_START_TIMEOUT_MS);

afterAll(async () => {
  await pool.end();
});

const nextDay = (date: string) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

describe('Superset: every chart shows what PostgreSQL holds', () => {
  it('every chart in the description has an expected query, and every dashboard imported with all its charts', async () => {
    const keys = DASHBOARDS.flatMap(chartsOf).map((c) => c.key);
    expect(keys.filter((k) => !(k in EXPECTED))).toEqual([]);
    expect(Object.keys(EXPECTED).filter((k) => !keys.includes(k))).toEqual([]);
    for (const d of DASHBOARDS) {
      const charts = await superset.client.dashboardCharts(d.key);
      expect(charts.map((c) => c.title).sort()).toEqual(
        chartsOf(d)
          .map((c) => c.title)
          .sort(),
      );
    }
  });

  it('each chart answers with the numbers PostgreSQL has (all days, then one known day)', async () => {
    await refreshRealtime(pool);
    const knownDay = days[days.length - 1]!;
    const mismatches: string[] = [];
    let compared = 0;
    for (const d of DASHBOARDS) {
      const charts = await superset.client.dashboardCharts(d.key);
      for (const c of chartsOf(d)) {
        const id = charts.find((x) => x.title === c.title)!.id;
        const expected = EXPECTED[c.key]!;
        const queryContext = await superset.client.savedQueryContext(id);
        expect(queryContext, `${c.key} has a saved query context`).not.toBeNull();

        const runs: {
          what: string;
          result: Promise<import('../src/api.ts').ChartResult[]>;
          day?: { from: string; to: string };
        }[] = [{ what: 'saved query', result: superset.client.chartData(id) }];
        if (expected.time) {
          // What the dashboard's date filter does: the chart's time filter becomes that day.
          const day = { from: knownDay, to: nextDay(knownDay) };
          const filtered = structuredClone(queryContext) as {
            queries: { filters: { op: string; val: string }[] }[];
          };
          for (const f of filtered.queries[0]!.filters)
            if (f.op === 'TEMPORAL_RANGE') f.val = `${day.from} : ${day.to}`;
          runs.push({ what: `day ${knownDay}`, result: superset.client.queryData(filtered), day });
        }
        for (const run of runs) {
          const [result] = await run.result;
          expect(result?.error ?? null, `${c.key} (${run.what}) error`).toBeNull();
          const { sql, params } = expectedQuery(expected, run.day);
          const pgRows = (await pool.query(sql, params)).rows as Record<string, unknown>[];
          const columns = Object.keys(pgRows[0] ?? {});
          expect(pgRows.length, `${c.key} (${run.what}): the seed gives it rows`).toBeGreaterThan(0);
          expect(result!.colnames.slice().sort(), `${c.key} columns`).toEqual(columns.slice().sort());
          const got = canonical(result!.data, columns);
          const want = canonical(pgRows, columns);
          compared++;
          if (JSON.stringify(got) !== JSON.stringify(want)) {
            mismatches.push(
              `${c.key} (${run.what}):\n  superset   ${got.join(' ')}\n  postgresql ${want.join(' ')}`,
            );
          }
        }
      }
    }
    expect(mismatches.join('\n')).toBe('');
    console.log(`[superset] ${compared} chart queries equal PostgreSQL's numbers`);
  }, 300_000);
});

describe('re-importing the bundle', () => {
  it('puts back a chart someone changed in Superset (the import replaces charts, not only dashboards)', async () => {
    const [chart] = await superset.client.dashboardCharts('clickstream-live');
    await superset.client.put(`/api/v1/chart/${chart!.id}`, { slice_name: 'changed by hand' });
    await superset.client.importBundle(zipBundle(readBundle(), superset.config.postgresUrl));
    const again = await superset.client.dashboardCharts('clickstream-live');
    expect(again.find((c) => c.id === chart!.id)?.title).toBe(chart!.title);
  });
});

describe('the manual path of the original design still works', () => {
  it("uploads one of the batch's CSV files into PostgreSQL as a new table", async () => {
    const table = `page_views_csv_${Date.now()}`;
    const csv = 'date,page_path,page_views,visitors\n2026-11-24,/,5,3\n2026-11-24,/products,2,2\n';
    const id = await superset.client.databaseId(DATABASE_NAME);
    await superset.client.uploadCsv(id, {
      tableName: table,
      schema: CSV_UPLOAD_SCHEMA,
      csv,
      dateColumns: ['date'],
    });
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n, sum(page_views)::int AS page_views, min(date)::date::text AS day FROM ${CSV_UPLOAD_SCHEMA}.${table}`,
    );
    expect(rows[0]).toEqual({ n: 2, page_views: 7, day: '2026-11-24' });
  });
});

/** Waits until the dashboard shows `expected` charts, each drawn (a canvas, svg, table or number). */
async function everyChartDrawn(page: Page, expected: number): Promise<void> {
  await expect
    .poll(
      () =>
        page.evaluate(
          () =>
            [...document.querySelectorAll('.dashboard-component-chart-holder')]
              .filter((h) => !h.querySelector('.loading, [data-test="loading-indicator"]'))
              .filter((h) => h.querySelector('canvas, svg, table, .header-line')).length,
        ),
      { timeout: 120_000, interval: 1000 },
    )
    .toBe(expected);
}

describe('Superset in Chromium: both dashboards draw every chart', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('opens each dashboard, every chart rendered without an error, and saves a screenshot', async () => {
    await refreshRealtime(pool);
    mkdirSync(ARTIFACTS, { recursive: true });
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(`${superset.up.url}/login/`);
    await page.fill('input[name="username"], #username', superset.config.adminUser);
    await page.fill('input[name="password"], #password', superset.config.adminPassword);
    await Promise.all([
      page.waitForURL((u) => !u.pathname.startsWith('/login')),
      page.keyboard.press('Enter'),
    ]);

    for (const d of DASHBOARDS) {
      const info = superset.up.dashboards.find((x) => x.slug === d.key)!;
      await page.setViewportSize({ width: 1600, height: 1000 });
      await page.goto(info.url);
      await everyChartDrawn(page, chartsOf(d).length);
      // The whole dashboard in the viewport (a full-page screenshot would resize the page, and the
      // charts would draw again while it is taken), then check again and take the picture.
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      await page.setViewportSize({ width: 1600, height });
      await everyChartDrawn(page, chartsOf(d).length);
      await page.waitForTimeout(2000); // let the charts' animations finish
      await page.screenshot({ path: join(ARTIFACTS, `superset-${d.key}.png`) });
      const problems = await page.evaluate(() =>
        [...document.querySelectorAll('.dashboard-component-chart-holder')]
          .filter(
            (h) =>
              h.querySelector('[role="alert"], .ant-alert-error, [data-test="error-message"]') ||
              /No results|Unexpected error|error/i.test(h.textContent ?? ''),
          )
          .map((h) => h.textContent?.slice(0, 200)),
      );
      expect(problems, `${d.title}: charts with an error or no data`).toEqual([]);
    }
  }, 420_000);
});
