import { describe, expect, it } from 'vitest';
import { ConfigError, readShopConfig } from './config.ts';

describe('readShopConfig', () => {
  it('has defaults that match the local demo', () => {
    expect(readShopConfig({})).toEqual({
      host: '127.0.0.1',
      port: 8080,
      collectorUrl: 'http://127.0.0.1:8081',
      writeKey: 'demo-shop-key',
    });
  });

  it('reads every option', () => {
    expect(
      readShopConfig({
        SHOP_HOST: '0.0.0.0',
        SHOP_PORT: '0',
        COLLECTOR_URL: 'https://collect.example.com/',
        WRITE_KEY: 'k1',
      }),
    ).toEqual({ host: '0.0.0.0', port: 0, collectorUrl: 'https://collect.example.com', writeKey: 'k1' });
  });

  it('names the variable that is wrong', () => {
    expect(() => readShopConfig({ SHOP_PORT: '80a' })).toThrow(/SHOP_PORT=80a/);
    expect(() => readShopConfig({ COLLECTOR_URL: 'collector:8081' })).toThrow(ConfigError);
    expect(() => readShopConfig({ COLLECTOR_URL: 'nope' })).toThrow(/COLLECTOR_URL=nope/);
  });
});
