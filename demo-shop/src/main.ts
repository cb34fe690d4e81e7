// The demo shop on its own (the compose service `shop`); options from the environment: config.ts.
import { ConfigError, readShopConfig } from './config.ts';
import { startShop } from './server.ts';

async function main() {
  const config = readShopConfig();
  const shop = await startShop(config);
  console.log(`shop: open ${shop.url} (events go to ${config.collectorUrl})`);
  const stop = () => void shop.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  console.error(err instanceof ConfigError ? `shop: ${message}` : `shop: failed to start: ${message}`);
  process.exit(1);
});
