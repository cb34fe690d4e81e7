// Reads one site's live numbers from the processor's views (processor/src/realtime-schema.ts) in a
// single statement: one round trip, and every part seen at the same instant (one MVCC snapshot),
// so the tiles never disagree with the chart.
import type { Pool } from '@clickstream/infra/postgres';
import { fillMinutes, MINUTES, type MinuteRow, type Snapshot, TOP_PAGES } from './snapshot.ts';

/** A schema name safe to splice into SQL (the config checks it too; this guards other callers). */
function ident(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  return schema;
}

export type ReadSnapshot = (site: string) => Promise<Snapshot>;

interface Row {
  at: Date;
  current_visitors: string | null;
  minutes: Array<{
    minute: string;
    events: number;
    page_views: number;
    clicks: number;
    orders: number;
  }> | null;
  top_pages: Array<{ page_path: string; page_views: number }> | null;
  today: { events: number; page_views: number; clicks: number; visitors: number; orders: number } | null;
  revenue_today: Array<{ currency: string | null; orders: number; revenue: string | null }> | null;
}

export function snapshotReader(pool: Pool, schema: string): ReadSnapshot {
  const s = ident(schema);
  // Counts are cast to int in JSON (PostgreSQL's bigint would come back as a string); revenue
  // stays an exact decimal string.
  const sql = `
    SELECT now() AS at,
      (SELECT visitors FROM ${s}.current_visitors WHERE site_id = $1) AS current_visitors,
      (SELECT json_agg(json_build_object('minute', minute, 'events', events::int, 'page_views', page_views::int,
                                         'clicks', clicks::int, 'orders', orders::int) ORDER BY minute)
         FROM ${s}.minute_totals
        WHERE site_id = $1 AND minute >= date_trunc('minute', now()) - interval '${MINUTES - 1} minutes'
          AND minute <= date_trunc('minute', now())) AS minutes,
      (SELECT json_agg(json_build_object('page_path', page_path, 'page_views', page_views::int)
                       ORDER BY page_views DESC, page_path)
         FROM (SELECT page_path, page_views FROM ${s}.top_pages_now WHERE site_id = $1
               ORDER BY page_views DESC, page_path LIMIT ${TOP_PAGES}) p) AS top_pages,
      (SELECT json_build_object('events', events::int, 'page_views', page_views::int, 'clicks', clicks::int,
                                'visitors', visitors::int, 'orders', orders::int)
         FROM ${s}.today WHERE site_id = $1) AS today,
      (SELECT json_agg(json_build_object('currency', currency, 'orders', orders::int, 'revenue', revenue::text)
                       ORDER BY currency NULLS LAST)
         FROM ${s}.revenue_today WHERE site_id = $1) AS revenue_today`;
  return async (site) => {
    const { rows } = await pool.query<Row>(sql, [site]);
    const r = rows[0] as Row;
    const minutes: MinuteRow[] = (r.minutes ?? []).map((m) => ({
      minute: new Date(m.minute).toISOString(),
      events: m.events,
      pageViews: m.page_views,
      clicks: m.clicks,
      orders: m.orders,
    }));
    const today = r.today ?? { events: 0, page_views: 0, clicks: 0, visitors: 0, orders: 0 };
    return {
      site,
      at: r.at.toISOString(),
      currentVisitors: Number(r.current_visitors ?? 0),
      minutes: fillMinutes(minutes, r.at),
      topPages: (r.top_pages ?? []).map((p) => ({ path: p.page_path, pageViews: p.page_views })),
      today: {
        events: today.events,
        pageViews: today.page_views,
        clicks: today.clicks,
        visitors: today.visitors,
        orders: today.orders,
      },
      revenueToday: r.revenue_today ?? [],
    };
  };
}

/** Sites with real-time rows in the last 7 days (for the site selector), by name. */
export async function listSites(pool: Pool, schema: string): Promise<string[]> {
  const { rows } = await pool.query<{ site_id: string }>(
    `SELECT DISTINCT site_id FROM ${ident(schema)}.minute_metrics
      WHERE minute > now() - interval '7 days' ORDER BY site_id LIMIT 1000`,
  );
  return rows.map((r) => r.site_id);
}
