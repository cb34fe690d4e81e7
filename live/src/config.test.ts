import { describe, expect, it } from 'vitest';
import { ConfigError, readLiveConfig } from './config.ts';

describe('readLiveConfig', () => {
  it('has documented defaults', () => {
    expect(readLiveConfig({})).toEqual({
      host: '127.0.0.1',
      port: 8082,
      postgresUrl: 'postgres://clickstream:clickstream@127.0.0.1:5432/clickstream',
      schema: 'realtime',
      defaultSite: 'demo-shop',
      coalesceMs: 150,
      refreshMs: 5_000,
      heartbeatMs: 15_000,
    });
  });

  it('reads every variable', () => {
    const c = readLiveConfig({
      LIVE_HOST: '0.0.0.0',
      LIVE_PORT: '0',
      POSTGRES_URL: 'postgres://u:p@db:5433/x',
      PROCESSOR_PG_SCHEMA: 'rt_test',
      LIVE_DEFAULT_SITE: 'blog',
      LIVE_COALESCE_MS: '0',
      LIVE_REFRESH_MS: '1000',
      LIVE_HEARTBEAT_MS: '2000',
    });
    expect(c).toMatchObject({ host: '0.0.0.0', port: 0, schema: 'rt_test', defaultSite: 'blog' });
    expect([c.coalesceMs, c.refreshMs, c.heartbeatMs]).toEqual([0, 1000, 2000]);
  });

  it('names the variable that is wrong', () => {
    expect(() => readLiveConfig({ LIVE_PORT: '70000' })).toThrow(/LIVE_PORT=70000/);
    expect(() => readLiveConfig({ LIVE_REFRESH_MS: '10' })).toThrow(ConfigError);
    expect(() => readLiveConfig({ PROCESSOR_PG_SCHEMA: 'Real-Time' })).toThrow(/PROCESSOR_PG_SCHEMA/);
  });
});
