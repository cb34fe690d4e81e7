export * from './collected-event.ts';
export * from './lake-layout.ts';
export * from './lake-row.ts';
export * from './page-path.ts';
export * from './topics.ts';
export * from './validate.ts';
export * from './wire-event.ts';
