export { type Downloaded, downloadParquet } from './download-parquet.ts';
export { eventsFrom, query } from './query.ts';
