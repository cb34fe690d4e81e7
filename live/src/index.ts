// What the demo and tests use from the live package.
export { type LiveConfig, readLiveConfig } from './config.ts';
export { type LiveServer, NOTIFY_CHANNEL, startLiveServer } from './live-server.ts';
export type { Delta, Snapshot } from './snapshot.ts';
