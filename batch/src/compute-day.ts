// One day on one engine: load the lake days and the side tables, build the shared tables
// (prepare.ts), run every mart and write its values in canonical text (format.ts). Nothing here is
// engine-specific; the same steps on DuckDB and Spark give the same rows.
import { normalisePagePath } from '@clickstream/schema';
import type { LakeSource, SideColumn, SideValue, SqlEngine } from './engine.ts';
import { formatValue } from './format.ts';
import type { LakeFile } from './lake-files.ts';
import { lakeRelative } from './lake-files.ts';
import { addDays, DAY_MS, type QuarterRow, zoneQuarters } from './local-time.ts';
import { FUNNEL_STEPS } from './marts/commerce.ts';
import { MARTS } from './marts/index.ts';
import type { Mart } from './marts/mart.ts';
import { LENGTH_BUCKETS } from './marts/sessions.ts';
import {
  DAY_SITES_SQL,
  EVENTS_SQL,
  forDay,
  LAKE_FILES_SQL,
  ORDERS_SQL,
  RAW_PAGE_PATHS_SQL,
  SESSION_CHAINS_SQL,
  SESSION_EVENTS_SQL,
  SESSIONS_SQL,
} from './prepare.ts';
import { type RealtimeSource, reconcileDay, reconciliation } from './reconcile.ts';
import { DEFAULT_TIME_ZONE, type SiteSettings } from './sites.ts';

export interface DayInput {
  /** The local day, YYYY-MM-DD. */
  readonly date: string;
  /** Configured sites; others report in UTC. */
  readonly sites: readonly SiteSettings[];
  /** The UTC lake days read (the day and its neighbours, in every zone in use). */
  readonly readDates: readonly string[];
  /** Their Parquet files. */
  readonly files: readonly LakeFile[];
  /** Lake days before readDates[0]: the visitor history. */
  readonly historyDays: readonly string[];
  readonly fxRates: ReadonlyMap<string, string>;
  readonly lake: LakeSource;
  /** The stream's numbers to reconcile with (reconcile.ts); none: an empty reconciliation. */
  readonly realtime?: RealtimeSource | null;
  readonly marts?: readonly Mart[];
}

export interface MartRows {
  readonly mart: Mart;
  readonly rows: (string | null)[][];
}

export interface FileEvents {
  /** Below the lake root: events/dt=.../hour=.../x.parquet. */
  readonly file: string;
  readonly events: number;
}

export interface DayResult {
  readonly marts: MartRows[];
  /** Rows per lake file read (all copies, bots included). */
  readonly files: FileEvents[];
  /** Lake rows read, and deduplicated events of the read days (bots included). */
  readonly rowsRead: number;
  readonly eventsRead: number;
  readonly sessions: number;
}

const SITE_COLUMNS: SideColumn[] = [
  { name: 'site_id', type: 'STRING' },
  { name: 'zone', type: 'STRING' },
  { name: 'configured', type: 'INT' },
];
const QUARTER_COLUMNS: SideColumn[] = [
  { name: 'zone', type: 'STRING' },
  { name: 'quarter', type: 'BIGINT' },
  { name: 'local_date', type: 'STRING' },
  { name: 'hour_start', type: 'STRING' },
];

const TABLES = ['events', 'day_sites', 'orders', 'sessions'] as const;
const SIDE_TABLES = [
  'lake',
  'page_paths',
  'all_sites',
  'zone_quarters',
  'funnel_steps',
  'session_length_buckets',
];

export async function computeDay(
  engine: SqlEngine,
  input: DayInput,
  log: (line: string) => void = () => {},
): Promise<DayResult> {
  const { date } = input;
  const t0 = performance.now();
  const lap = (what: string) => log(`${what} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);

  await engine.readLake('lake', input.files);
  const perFile = (await engine.query(LAKE_FILES_SQL)).rows;
  const files = new Map<string, number>();
  const lakeSites = new Set<string>();
  for (const [file, site, n] of perFile) {
    const key = lakeRelative(file as string);
    files.set(key, (files.get(key) ?? 0) + Number(n));
    if (site) lakeSites.add(site);
  }
  const rowsRead = [...files.values()].reduce((a, b) => a + b, 0);

  // Side tables: page paths normalised once here (normalisePagePath), sites and their zones,
  // every quarter hour of the days read in each zone, and the marts' fixed dimensions.
  const rawPaths = (await engine.query(RAW_PAGE_PATHS_SQL)).rows.map((r) => r[0] as string);
  await engine.registerRows(
    'page_paths',
    [
      { name: 'raw', type: 'STRING' },
      { name: 'path', type: 'STRING' },
    ],
    rawPaths.map((raw) => [raw, normalisePagePath(raw)]),
  );
  const zoneOf = new Map(input.sites.map((s) => [s.siteId, s.timeZone]));
  const siteRows: SideValue[][] = [...new Set([...zoneOf.keys(), ...lakeSites])]
    .sort()
    .map((site) => [site, zoneOf.get(site) ?? DEFAULT_TIME_ZONE, zoneOf.has(site) ? 1 : 0]);
  await engine.registerRows('all_sites', SITE_COLUMNS, siteRows);
  const zones = [...new Set(siteRows.map((r) => r[1] as string))].sort();
  const first = input.readDates[0] ?? date;
  const last = input.readDates[input.readDates.length - 1] ?? date;
  const fromMs = Date.parse(`${first}T00:00:00Z`);
  const toMs = Date.parse(`${addDays(last, 1)}T00:00:00Z`);
  const quarters: QuarterRow[] = zones.flatMap((zone) =>
    zoneQuarters({ zone, startMs: fromMs + DAY_MS, endMs: toMs - DAY_MS, fromMs, toMs }),
  );
  await engine.registerRows(
    'zone_quarters',
    QUARTER_COLUMNS,
    quarters.map((q) => [q.zone, q.quarter, q.local_date, q.hour_start]),
  );
  await engine.registerRows(
    'funnel_steps',
    [
      { name: 'step', type: 'STRING' },
      { name: 'step_order', type: 'INT' },
    ],
    FUNNEL_STEPS.map((step, i) => [step, i]),
  );
  await engine.registerRows(
    'session_length_buckets',
    [
      { name: 'bucket', type: 'STRING' },
      { name: 'bucket_order', type: 'INT' },
    ],
    LENGTH_BUCKETS.map((b, i) => [b.bucket, i + 1]),
  );
  await engine.loadHistory(input.lake, input.historyDays);
  lap(
    `inputs: ${rowsRead} lake rows in ${files.size} file(s), ${rawPaths.length} page path(s), ${siteRows.length} site(s)`,
  );

  const eventsRead = await engine.materialize('events', forDay(EVENTS_SQL, date));
  lap(`events: ${eventsRead} after deduplication`);
  await engine.materialize('day_sites', forDay(DAY_SITES_SQL, date));
  await engine.materialize('orders', forDay(ORDERS_SQL, date));
  await engine.materialize('chained', forDay(SESSION_CHAINS_SQL, date));
  lap('session chains');
  await engine.materialize('session_events', forDay(SESSION_EVENTS_SQL, date));
  lap('session events');
  await engine.drop('chained');
  const sessions = await engine.materialize('sessions', forDay(SESSIONS_SQL, date));
  await engine.drop('session_events');
  lap(`prepared: ${eventsRead} events after deduplication, ${sessions} sessions over the days read`);

  const results: MartRows[] = [];
  for (const mart of input.marts ?? MARTS) {
    const result = await engine.query(forDay(mart.sql, date));
    const expected = mart.columns.map((c) => c.name);
    if (result.columns.join(',') !== expected.join(','))
      throw new Error(
        `mart ${mart.name}: the SQL gives columns ${result.columns.join(',')}, not ${expected.join(',')}`,
      );
    const rows = result.rows.map((row) => row.map((v, i) => formatValue(mart.columns[i]!.type, v)));
    results.push({ mart, rows });
  }
  for (const { mart, rows } of results)
    mart.finish?.(rows, {
      rowsOf: (name) => results.find((r) => r.mart.name === name)?.rows ?? [],
      reportingCurrencyOf: (site) => input.sites.find((s) => s.siteId === site)?.reportingCurrency ?? null,
      fxRates: input.fxRates,
    });
  lap(`computed ${results.length} marts`);

  if (input.realtime) {
    const daySites = (await engine.query('SELECT site_id, zone FROM day_sites ORDER BY site_id')).rows.map(
      (r) => ({
        siteId: r[0] as string,
        zone: r[1] as string,
      }),
    );
    const report = await reconcileDay(engine, input.realtime, date, daySites, results, log);
    results.push({
      mart: report.mart,
      rows: report.rows.map((row) => row.map((v, i) => formatValue(report.mart.columns[i]!.type, v))),
    });
  } else results.push({ mart: reconciliation, rows: [] });

  for (const name of [...TABLES, ...SIDE_TABLES, 'history']) await engine.drop(name);
  return {
    marts: results,
    files: [...files].map(([file, events]) => ({ file, events })).sort((a, b) => (a.file < b.file ? -1 : 1)),
    rowsRead,
    eventsRead,
    sessions,
  };
}
