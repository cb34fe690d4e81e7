// Reconciliation: how far the real-time numbers (the processor's schema `realtime` in PostgreSQL)
// were from the batch's final numbers for the day, per site and metric. The stream counts an event
// in the minute of its event time unless it came late (after the watermark), and it closes
// sessions as events arrive; the batch sees everything. The report says by how much they differ:
// events, page views, bots, sessions (and how many sessions exist on one side only or differ in
// events, page views or end), orders and revenue per currency, duplicates removed, late events.
import type { Pool } from '@clickstream/infra/postgres';
import type { MartRows } from './compute-day.ts';
import { add, formatDecimal, parseDecimal } from './decimal.ts';
import type { SqlEngine } from './engine.ts';
import { dayWindow } from './local-time.ts';
import { columns, type Mart } from './marts/mart.ts';

export const reconciliation: Mart = {
  name: 'reconciliation',
  description:
    "The stream's real-time numbers against the batch's final ones: per metric, the batch's value, the real-time value and realtime - batch. Sessions that exist on one side only or differ (events, page views, end) are counted in `difference`; late events (the stream left them out) in `realtime`. Empty when PostgreSQL has no realtime schema.",
  columns: columns(
    'date:date site_id:text metric:text currency:text batch:number realtime:number difference:number',
  ),
  // Computed by reconcileDay (the real-time side is read from PostgreSQL), not by SQL alone.
  sql: '',
};

/** The day's sessions (batch) against the stream's sessions of the same sites and local days. */
export const SESSION_DIFF_SQL = `
WITH b AS (SELECT session_id, site_id, end_ms, events, page_views FROM sessions WHERE local_date = '$date')
SELECT coalesce(b.site_id, r.site_id) AS site_id,
       sum(CASE WHEN r.session_id IS NULL THEN 1 ELSE 0 END) AS only_batch,
       sum(CASE WHEN b.session_id IS NULL THEN 1 ELSE 0 END) AS only_realtime,
       sum(CASE WHEN b.session_id IS NOT NULL AND r.session_id IS NOT NULL
                 AND (b.events <> r.events OR b.page_views <> r.page_views OR b.end_ms <> r.end_ms)
                THEN 1 ELSE 0 END) AS changed
FROM b FULL OUTER JOIN realtime_sessions r ON r.session_id = b.session_id
GROUP BY coalesce(b.site_id, r.site_id)`;

export interface RealtimeSource {
  readonly pool: Pool;
  /** The processor's schema, `realtime` by default. */
  readonly schema: string;
}

/** Whether the processor's tables exist (no processor ran: no reconciliation). */
export async function hasRealtime(source: RealtimeSource): Promise<boolean> {
  const { rows } = await source.pool.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [
    `${source.schema}.sessions`,
  ]);
  return rows[0]?.t !== null && rows[0]?.t !== undefined;
}

type Row = (string | null)[];

export async function reconcileDay(
  engine: SqlEngine,
  source: RealtimeSource,
  date: string,
  sites: ReadonlyArray<{ siteId: string; zone: string }>,
  marts: readonly MartRows[],
  log: (line: string) => void,
): Promise<MartRows> {
  const s = source.schema;
  const q = async (sql: string, values: unknown[]) =>
    (await source.pool.query({ text: sql, values, rowMode: 'array' })).rows as (string | null)[][];
  const sessions: (string | number | null)[][] = [];
  const realtime = new Map<string, { metrics: Row; orders: Row[]; counts: Row }>();
  for (const { siteId, zone } of sites) {
    const w = dayWindow(zone, date);
    const [from, to] = [new Date(w.startMs).toISOString(), new Date(w.endMs).toISOString()];
    for (const r of await q(
      `SELECT session_id, site_id, (extract(epoch FROM session_end) * 1000)::bigint::text, events, page_views
       FROM ${s}.sessions WHERE site_id = $1 AND session_start >= $2 AND session_start < $3`,
      [siteId, from, to],
    ))
      sessions.push([r[0] ?? null, r[1] ?? null, Number(r[2]), Number(r[3]), Number(r[4])]);
    const [metrics = []] = await q(
      `SELECT coalesce(sum(events), 0)::text, coalesce(sum(page_views), 0)::text, coalesce(sum(bot_events), 0)::text,
              coalesce(sum(sessions_started), 0)::text
       FROM ${s}.minute_metrics WHERE site_id = $1 AND minute >= $2 AND minute < $3`,
      [siteId, from, to],
    );
    const orders = await q(
      `SELECT currency, count(*)::text, coalesce(sum(revenue), 0)::text FROM ${s}.orders
       WHERE site_id = $1 AND event_time >= $2 AND event_time < $3 GROUP BY currency`,
      [siteId, from, to],
    );
    // The stream keeps these per UTC day.
    const [counts = []] = await q(
      `SELECT coalesce(sum(late_events), 0)::text, coalesce(sum(duplicates), 0)::text
       FROM ${s}.daily_counts WHERE site_id = $1 AND day = $2::date`,
      [siteId, date],
    );
    realtime.set(siteId, { metrics, orders, counts });
  }
  await engine.registerRows(
    'realtime_sessions',
    [
      { name: 'session_id', type: 'STRING' },
      { name: 'site_id', type: 'STRING' },
      { name: 'end_ms', type: 'BIGINT' },
      { name: 'events', type: 'BIGINT' },
      { name: 'page_views', type: 'BIGINT' },
    ],
    sessions,
  );
  const diff = new Map(
    (await engine.query(SESSION_DIFF_SQL.replaceAll("'$date'", `'${date}'`))).rows.map((r) => [
      r[0],
      r.slice(1),
    ]),
  );
  await engine.drop('realtime_sessions');

  const pick = (mart: string, site: string, column: string) => {
    const m = marts.find((x) => x.mart.name === mart);
    const i = m?.mart.columns.findIndex((c) => c.name === column) ?? -1;
    return m?.rows.find((r) => r[1] === site)?.[i] ?? null;
  };
  const rows: Row[] = [];
  for (const { siteId } of sites) {
    const rt = realtime.get(siteId)!;
    const row = (metric: string, currency: string | null, batch: string | null, real: string | null) => {
      const difference = batch !== null && real !== null ? subtract(real, batch) : null;
      rows.push([date, siteId, metric, currency, batch, real, difference]);
    };
    const only = (metric: string, n: string | null | undefined) =>
      rows.push([date, siteId, metric, null, null, null, n ?? '0']);
    row('events', null, pick('summary', siteId, 'events'), rt.metrics[0] ?? '0');
    row('page_views', null, pick('summary', siteId, 'page_views'), rt.metrics[1] ?? '0');
    row('bot_events', null, pick('summary', siteId, 'bot_events'), rt.metrics[2] ?? '0');
    row('sessions', null, pick('summary', siteId, 'sessions'), rt.metrics[3] ?? '0');
    const d = diff.get(siteId) ?? [];
    only('sessions_only_in_batch', d[0]);
    only('sessions_only_in_realtime', d[1]);
    only('sessions_that_differ', d[2]);
    row(
      'orders',
      null,
      pick('summary', siteId, 'orders'),
      String(rt.orders.reduce((n, o) => n + Number(o[1]), 0)),
    );
    const orderRows = marts.find((m) => m.mart.name === 'orders')?.rows.filter((r) => r[1] === siteId) ?? [];
    const currencies = [
      ...new Set([...orderRows.map((r) => r[2] ?? null), ...rt.orders.map((o) => o[0] ?? null)]),
    ].sort((a, b) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : 1));
    for (const c of currencies)
      row(
        'revenue',
        c,
        orderRows.find((r) => (r[2] ?? null) === c)?.[4] ?? '0',
        rt.orders.find((o) => (o[0] ?? null) === c)?.[2] ?? '0',
      );
    row('duplicates_removed', null, pick('summary', siteId, 'duplicates_removed'), rt.counts[1] ?? '0');
    rows.push([date, siteId, 'late_events', null, null, rt.counts[0] ?? '0', null]);
    const value = (metric: string) => rows.find((r) => r[1] === siteId && r[2] === metric);
    const ev = value('events');
    log(
      `reconciliation ${siteId}: events ${ev?.[4]} (real-time ${ev?.[5]}, ${ev?.[6]}), sessions ${value('sessions')?.[4]} (real-time ${value('sessions')?.[5]}), ` +
        `${Number(d[0] ?? 0) + Number(d[1] ?? 0) + Number(d[2] ?? 0)} session(s) differ, late events ${rt.counts[0] ?? 0}, duplicates ${value('duplicates_removed')?.[4]} (real-time ${rt.counts[1] ?? 0})`,
    );
  }
  return { mart: reconciliation, rows };
}

/** a - b for exact decimal text. */
function subtract(a: string, b: string): string {
  const right = parseDecimal(b);
  return formatDecimal(add(parseDecimal(a), { units: -right.units, scale: right.scale }), 6, 0);
}
