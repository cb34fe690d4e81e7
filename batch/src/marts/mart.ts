// What a mart is: a name (its CSV file <name>.csv and its PostgreSQL table daily.<name>), typed
// columns, and one SELECT in portable SQL (sql.ts) over the prepared tables (prepare.ts). `$date`
// stands for the day. Every mart starts with (date, site_id): the day in the site's reporting time
// zone and the site. The column types decide how a value is written (format.ts) and stored.

export type ColumnType =
  /** YYYY-MM-DD, the site's local day. PostgreSQL date. */
  | 'date'
  /** Start of a local hour with its UTC offset, `2026-11-24 10:00:00+01:00`. PostgreSQL timestamptz. */
  | 'hour'
  /** Text; in CSV, formula-like cells are neutralised (format.ts). PostgreSQL text. */
  | 'text'
  /** A count. PostgreSQL bigint. */
  | 'int'
  /** Exact money, 6 decimal places, written with at least 2 (`89.00`, `0.123456`). numeric(38,6). */
  | 'money'
  /** A rate or average, 4 decimal places (`0.2500`). numeric(18,4). */
  | 'decimal4'
  /** A duration in seconds, 3 decimal places (`12.345`). numeric(18,3). */
  | 'seconds'
  /** A count or an amount, exact, without trailing zeros (`21`, `37.5`). numeric(38,6). */
  | 'number';

export interface MartColumn {
  readonly name: string;
  readonly type: ColumnType;
}

export interface FinishContext {
  /** Rows of the marts computed before this one (formatted values), by mart name. */
  readonly rowsOf: (mart: string) => readonly (readonly (string | null)[])[];
  readonly reportingCurrencyOf: (siteId: string) => string | null;
  readonly fxRates: ReadonlyMap<string, string>;
}

export interface Mart {
  readonly name: string;
  readonly description: string;
  readonly columns: readonly MartColumn[];
  readonly sql: string;
  /** Fills columns the SQL leaves NULL from other marts' rows (the summary's money columns). */
  readonly finish?: (rows: (string | null)[][], ctx: FinishContext) => void;
}

const TYPES = new Set<ColumnType>(['date', 'hour', 'text', 'int', 'money', 'decimal4', 'seconds', 'number']);

/** `columns('date:date site_id:text page_views:int')`. */
export function columns(spec: string): MartColumn[] {
  return spec
    .trim()
    .split(/\s+/)
    .map((entry) => {
      const [name, type] = entry.split(':') as [string, ColumnType];
      if (!TYPES.has(type)) throw new Error(`column ${name}: unknown type ${type}`);
      return { name, type };
    });
}

/** The local hours of the day for each of the day's sites, in time order (23, 24 or 25 of them). */
export const DAY_HOURS = `
SELECT ds.site_id, q.hour_start, min(q.quarter) AS first_quarter
FROM day_sites ds JOIN zone_quarters q ON q.zone = ds.zone
WHERE q.local_date = '$date'
GROUP BY ds.site_id, q.hour_start`;

/** The day's non-bot events. */
export const DAY_EVENTS = `SELECT * FROM events WHERE local_date = '$date' AND NOT is_bot`;

/** Sessions that started on the day (they include their events after midnight). */
export const DAY_SESSIONS = `SELECT * FROM sessions WHERE local_date = '$date'`;
