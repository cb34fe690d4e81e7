// The demo shop on its own: SHOP_HOST (127.0.0.1), SHOP_PORT (8080), COLLECTOR_URL
// (http://127.0.0.1:8081), WRITE_KEY (demo-shop-key, the collector's default demo site).
import { startShop } from './server.ts';

const env = process.env;
const port = Number(env.SHOP_PORT || 8080);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`shop: SHOP_PORT=${env.SHOP_PORT} is not a port number`);
  process.exit(1);
}
startShop({
  host: env.SHOP_HOST || '127.0.0.1',
  port,
  collectorUrl: env.COLLECTOR_URL || 'http://127.0.0.1:8081',
  writeKey: env.WRITE_KEY || 'demo-shop-key',
}).then(
  (shop) => {
    console.log(`shop: open ${shop.url}`);
    const stop = () => void shop.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  },
  (err: unknown) => {
    console.error(`shop: failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
