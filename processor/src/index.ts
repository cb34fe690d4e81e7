// What other packages and tests use from the processor: its definitions and table names.
export { type ProcessorConfig, readProcessorConfig } from './config.ts';
export { NOTIFY_CHANNEL } from './postgres-sink.ts';
export { realtimeDdl } from './realtime-schema.ts';
export { sessionRow, sessionStarts } from './sessionize.ts';
export { writeParquet } from './write-parquet.ts';
