// The marts in PostgreSQL, schema `daily`: one table per mart with the CSV's columns.
import type { MartRows } from './compute-day.ts';

/** Where a day's marts go besides the CSVs. */
export interface MartTarget {
  /** Replaces the day's rows of every mart in one transaction (a reader never sees half a day). */
  replaceDay(date: string, marts: readonly MartRows[]): Promise<void>;
  close(): Promise<void>;
}
