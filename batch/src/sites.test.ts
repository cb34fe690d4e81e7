import { describe, expect, it } from 'vitest';
import { readBatchConfig } from './config.ts';
import { parseFxRates, parseSites, settingsOf } from './sites.ts';

describe('site settings', () => {
  it("read the collector's COLLECTOR_SITES shape, with a zone and a reporting currency", () => {
    const sites = parseSites(
      '[{"siteId":"shop","writeKey":"k","origins":["https://x"],"timeZone":"Europe/Berlin","reportingCurrency":"EUR"},{"siteId":"b"}]',
    );
    expect(sites).toEqual([
      { siteId: 'shop', timeZone: 'Europe/Berlin', reportingCurrency: 'EUR' },
      { siteId: 'b', timeZone: 'UTC', reportingCurrency: null },
    ]);
    expect(settingsOf(sites, 'other')).toEqual({ siteId: 'other', timeZone: 'UTC', reportingCurrency: null });
  });

  it('refuse what would silently be wrong, in one line', () => {
    expect(() => parseSites('[{"siteId":"a","timeZone":"Europe/Berln"}]')).toThrow(/not an IANA time zone/);
    expect(() => parseSites('[{"siteId":"a"},{"siteId":"a"}]')).toThrow(/listed twice/);
    expect(() => parseSites('{')).toThrow(/not valid JSON/);
    expect(() => parseFxRates('{"USD/EUR":0.92}')).toThrow(/decimal string/);
    expect(() => parseFxRates('{"USDEUR":"0.92"}')).toThrow(/FROM\/TO/);
    expect(parseFxRates('{"USD/EUR":"0.9215"}').get('USD/EUR')).toBe('0.9215');
  });

  it('the configuration has a default for every option and checks the rest', () => {
    const config = readBatchConfig({});
    expect(config).toMatchObject({
      engine: 'duckdb',
      webhdfsUrl: 'http://127.0.0.1:9870',
      realtimeSchema: 'realtime',
    });
    expect(config.spark).toMatchObject({
      master: 'local[2]',
      hdfsUri: 'hdfs://127.0.0.1:8020',
      shufflePartitions: 4,
    });
    expect(() => readBatchConfig({ BATCH_ENGINE: 'presto' })).toThrow(/use duckdb or spark/);
    expect(() => readBatchConfig({ SPARK_CONF: 'x=1' })).toThrow(/spark.key=value/);
    expect(readBatchConfig({ SPARK_CONF: 'spark.sql.adaptive.enabled=false' }).spark.conf).toEqual([
      'spark.sql.adaptive.enabled=false',
    ]);
  });
});
