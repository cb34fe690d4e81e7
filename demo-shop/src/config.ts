// The shop's one reader of the environment (the shop alone, `src/main.ts`, as the compose service
// runs it). Every option, its variable and its default:
//
//   SHOP_HOST       127.0.0.1               interface to listen on
//   SHOP_PORT       8080                    port to listen on (0: any free port)
//   COLLECTOR_URL   http://127.0.0.1:8081   the collector as visitors' browsers reach it (the SDK
//                                           posts there), not as this server would
//   WRITE_KEY       demo-shop-key           the site's write key (the collector's default demo site)

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface ShopConfig {
  readonly host: string;
  readonly port: number;
  readonly collectorUrl: string;
  readonly writeKey: string;
}

type Env = Readonly<Record<string, string | undefined>>;

function collectorUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`COLLECTOR_URL=${raw} is not a URL; expected e.g. https://collect.example.com`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError(`COLLECTOR_URL=${raw} must start with http:// or https://`);
  // The SDK appends /v1/...; a trailing slash would double it.
  return raw.replace(/\/+$/, '');
}

/** Parses the environment once; throws ConfigError naming the variable. */
export function readShopConfig(env: Env = process.env): ShopConfig {
  const rawPort = env.SHOP_PORT;
  const port = rawPort === undefined || rawPort === '' ? 8080 : Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`SHOP_PORT=${rawPort} is not a port number; use an integer from 0 to 65535`);
  return {
    host: env.SHOP_HOST || '127.0.0.1',
    port,
    collectorUrl: collectorUrl(env.COLLECTOR_URL || 'http://127.0.0.1:8081'),
    writeKey: env.WRITE_KEY || 'demo-shop-key',
  };
}
