export { computeDay, type DayResult, type MartRows } from './compute-day.ts';
export { openDuckDb } from './duckdb-engine.ts';
export type { SqlEngine } from './engine.ts';
export { MARTS } from './marts/index.ts';
export { SCHEMA as DAILY_SCHEMA, tableDdl } from './postgres-marts.ts';
export { query, queryLake } from './query-lake.ts';
export { type BatchOptions, type BatchSummary, runBatch, runBatches } from './run-batch.ts';
