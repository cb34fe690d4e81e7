// The small typed vocabulary the dashboards are described in (tables.ts, live-dashboard.ts,
// daily-dashboard.ts). A dataset names its table, columns and saved metrics; a chart names its
// dataset and picks columns and metrics of that dataset, which the compiler checks; a dashboard lays
// charts out in rows. render-bundle.ts turns this into Superset's import files.

export type ColumnType = 'TEXT' | 'DATE' | 'TIMESTAMP' | 'TIMESTAMPTZ' | 'BIGINT' | 'NUMERIC' | 'BOOLEAN';

/** A table column by its type, or a column Superset computes with an SQL expression. */
export type Column = ColumnType | { readonly type: ColumnType; readonly sql: string };

/** A saved metric: an SQL aggregate over the dataset's columns, shown under `label`. */
export interface Metric {
  readonly sql: string;
  readonly label: string;
  /** d3-format of the numbers (`,d` integers, `.1%` rates, `,.2f` money, `.1f` seconds). */
  readonly format: string;
}

export interface Dataset<C extends string = string, M extends string = string> {
  /** Stable key, part of the dataset's UUID: never change it once shipped. */
  readonly key: string;
  readonly schema: string;
  readonly table: string;
  readonly description: string;
  readonly columns: Readonly<Record<C, Column>>;
  /** The column a dashboard's time filter and a time axis use (none: a current-state view). */
  readonly time?: C;
  readonly metrics: Readonly<Record<M, Metric>>;
}

/** Declares a dataset; the type parameters make charts refer only to its own columns and metrics. */
export function dataset<const C extends string, const M extends string>(
  spec: Omit<Dataset<C, M>, 'time'> & { readonly time?: NoInfer<C> },
): Dataset<C, M> {
  return spec;
}

/** Superset's time grains (ISO 8601 durations). */
export type Grain = 'PT1M' | 'PT1H' | 'P1D';

interface ChartBase {
  /** Stable key, part of the chart's UUID: never change it once shipped. */
  readonly key: string;
  readonly title: string;
  readonly description?: string;
  /** Extra SQL WHERE condition of this chart (e.g. leave out unknown countries). */
  readonly where?: string;
  /** Time range of the chart on its own (default `No filter`; a dashboard filter overrides it). */
  readonly timeRange?: string;
}

export type Chart<C extends string = string, M extends string = string> = ChartBase &
  (
    | { readonly kind: 'number'; readonly dataset: Dataset<C, M>; readonly metric: NoInfer<M> }
    | {
        readonly kind: 'number-trend';
        readonly dataset: Dataset<C, M>;
        readonly metric: NoInfer<M>;
        readonly grain: Grain;
      }
    | {
        readonly kind: 'timeseries';
        readonly style: 'line' | 'bar';
        readonly dataset: Dataset<C, M>;
        readonly metrics: readonly NoInfer<M>[];
        readonly grain: Grain;
        /** One series per value of these columns. */
        readonly groupby?: readonly NoInfer<C>[];
      }
    | {
        readonly kind: 'table';
        readonly dataset: Dataset<C, M>;
        readonly groupby: readonly NoInfer<C>[];
        readonly metrics: readonly NoInfer<M>[];
        /** Sorted by this metric, largest first. */
        readonly sortBy: NoInfer<M>;
        readonly limit: number;
      }
    | {
        readonly kind: 'pie';
        readonly dataset: Dataset<C, M>;
        readonly groupby: NoInfer<C>;
        readonly metric: NoInfer<M>;
      }
    | {
        readonly kind: 'bar';
        readonly dataset: Dataset<C, M>;
        /** Categories on the x axis, sorted by their text (a computed column can make that right). */
        readonly x: NoInfer<C>;
        readonly metric: NoInfer<M>;
      }
    | {
        readonly kind: 'funnel';
        readonly dataset: Dataset<C, M>;
        readonly step: NoInfer<C>;
        readonly metric: NoInfer<M>;
      }
    | {
        readonly kind: 'world-map';
        readonly dataset: Dataset<C, M>;
        /** ISO 3166-1 alpha-2 country codes. */
        readonly country: NoInfer<C>;
        readonly metric: NoInfer<M>;
      }
  );

/** Declares a chart on one dataset (the compiler checks its columns and metrics). */
export function chart<C extends string, M extends string>(spec: Chart<C, M>): Chart {
  return spec as Chart;
}

/** A chart's place in a row: width in Superset's 12-column grid, height in its 8-px units. */
export interface Cell {
  readonly chart: Chart;
  readonly width: number;
  readonly height?: number;
}

export interface Dashboard {
  /** Stable key, part of the dashboard's UUID and its URL slug. */
  readonly key: string;
  readonly title: string;
  readonly description: string;
  /** Seconds between automatic refreshes (0: none). */
  readonly refreshSeconds: number;
  readonly rows: readonly (readonly Cell[])[];
  /** A native time-range filter on every chart's time column, with this default (Superset syntax). */
  readonly dateFilter?: { readonly name: string; readonly defaultRange: string };
  /**
   * A native filter on the site (empty: all sites), its choices read from this dataset's
   * `site_id`; it applies to every chart (every dataset has `site_id`).
   */
  readonly siteFilter?: Dataset & { readonly columns: { readonly site_id: Column } };
}

export function chartsOf(dashboard: Dashboard): Chart[] {
  return dashboard.rows.flatMap((row) => row.map((cell) => cell.chart));
}
