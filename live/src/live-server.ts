// Wires the live server together: a small pool for the snapshot reads, the LISTEN connection, the
// hub, the bundled page and an HTTP server on config.host:port. Used by server.ts (the process)
// and by tests that run it in-process.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPool } from '@clickstream/infra/postgres';
import { createLiveHandler } from './app.ts';
import { buildAssets } from './bundle.ts';
import type { LiveConfig } from './config.ts';
import { NotifyListener } from './listen-notify.ts';
import { LiveHub } from './live-hub.ts';
import { listSites, snapshotReader } from './read-snapshot.ts';

/** The processor's NOTIFY channel (NOTIFY_CHANNEL in processor/src/postgres-sink.ts). */
export const NOTIFY_CHANNEL = 'clickstream_realtime';

export interface LiveServer {
  /** e.g. http://127.0.0.1:8082 */
  readonly url: string;
  readonly hub: LiveHub;
  close(): Promise<void>;
}

export async function startLiveServer(
  config: LiveConfig,
  log: (line: string) => void = () => {},
): Promise<LiveServer> {
  const pool = createPool(config.postgresUrl, {
    applicationName: 'clickstream-live',
    max: 4,
    onIdleError: () => {}, // the next read reconnects; a failed read is reported as a status
  });
  const read = snapshotReader(pool, config.schema);
  const hub = new LiveHub({
    read,
    schema: config.schema,
    coalesceMs: config.coalesceMs,
    refreshMs: config.refreshMs,
    heartbeatMs: config.heartbeatMs,
    log,
  });
  const listener = new NotifyListener({
    url: config.postgresUrl,
    channel: NOTIFY_CHANNEL,
    onNotify: (payload) => hub.notify(payload),
    onState: (up, detail) => hub.listening(up, detail),
  });
  listener.start();
  const handler = createLiveHandler({
    defaultSite: config.defaultSite,
    assets: await buildAssets(),
    hub,
    readSnapshot: read,
    listSites: () => listSites(pool, config.schema),
    log,
  });
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${config.host}:${port}`,
    hub,
    close: async () => {
      hub.close(); // ends the event streams, so the server can close
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await listener.close();
      await pool.end();
    },
  };
}
