// The live page's process (`npm run live`): config from the environment (config.ts), then listen.
// SIGINT/SIGTERM: end the event streams and the database connections, exit.
import { ConfigError, readLiveConfig } from './config.ts';
import { startLiveServer } from './live-server.ts';

async function main() {
  const config = readLiveConfig();
  const live = await startLiveServer(config, (line) => console.log(`live: ${line}`));
  console.log(
    `live: open ${live.url}/?site=${encodeURIComponent(config.defaultSite)} (PostgreSQL schema ${config.schema})`,
  );
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await live.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  console.error(err instanceof ConfigError ? `live: ${message}` : `live: failed to start: ${message}`);
  process.exit(1);
});
