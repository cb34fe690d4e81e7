export { AGGREGATES } from './aggregates.ts';
export { type Downloaded, downloadParquet } from './download-parquet.ts';
export { eventsFrom, query } from './query.ts';
export { queryLake } from './query-lake.ts';
export { type BatchSummary, runBatch } from './run-batch.ts';
