// The live page's one reader of the environment. Every option, its variable and its default:
//
//   LIVE_HOST            127.0.0.1          interface to listen on
//   LIVE_PORT            8082               port to listen on (0: any free port)
//   POSTGRES_URL         postgres://clickstream:clickstream@127.0.0.1:5432/clickstream
//   PROCESSOR_PG_SCHEMA  realtime           the processor's schema to read (the processor's variable)
//   LIVE_DEFAULT_SITE    demo-shop          the site shown when the URL names none
//   LIVE_COALESCE_MS     150                at most one query round per site this often (bursts of
//                                           NOTIFYs are coalesced; a quiet site's first one runs at once)
//   LIVE_REFRESH_MS      5000               re-query sites that have viewers this often even without
//                                           writes: current visitors and top pages decay with time
//   LIVE_HEARTBEAT_MS    15000              an SSE comment this often keeps idle connections open

import { intInRange } from '@clickstream/infra/env';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface LiveConfig {
  readonly host: string;
  readonly port: number;
  readonly postgresUrl: string;
  readonly schema: string;
  readonly defaultSite: string;
  readonly coalesceMs: number;
  readonly refreshMs: number;
  readonly heartbeatMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  return intInRange(env, name, fallback, min, max, ConfigError);
}

/** Parses the environment once; throws ConfigError with a message naming the variable. */
export function readLiveConfig(env: Env = process.env): LiveConfig {
  const schema = env.PROCESSOR_PG_SCHEMA || 'realtime';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new ConfigError(`PROCESSOR_PG_SCHEMA=${schema}: use lower-case letters, digits and _`);
  const defaultSite = env.LIVE_DEFAULT_SITE || 'demo-shop';
  if (defaultSite.length > 200) throw new ConfigError('LIVE_DEFAULT_SITE: at most 200 characters');
  return {
    host: env.LIVE_HOST || '127.0.0.1',
    port: int(env, 'LIVE_PORT', 8082, 0, 65535),
    postgresUrl: env.POSTGRES_URL || 'postgres://clickstream:clickstream@127.0.0.1:5432/clickstream',
    schema,
    defaultSite,
    coalesceMs: int(env, 'LIVE_COALESCE_MS', 150, 0, 60_000),
    refreshMs: int(env, 'LIVE_REFRESH_MS', 5_000, 500, 3_600_000),
    heartbeatMs: int(env, 'LIVE_HEARTBEAT_MS', 15_000, 1_000, 3_600_000),
  };
}
