import { describe, expect, it } from 'vitest';
import { OptionError, simulateOptions } from './options.ts';

describe('simulateOptions', () => {
  it('has documented defaults', () => {
    expect(simulateOptions({}, {})).toEqual({
      rate: 5,
      days: 0,
      visitsPerDay: 1500,
      seed: 1,
      durationS: null,
      batch: true,
      collectorUrl: 'http://127.0.0.1:8081',
      writeKey: 'demo-shop-server-key',
      kafkaBrokers: ['127.0.0.1:9092'],
      eventsTopic: 'clickstream.events',
      processorGroup: 'clickstream-processor',
    });
  });

  it('takes the options and the environment', () => {
    const o = simulateOptions(
      { rate: '20', days: '7', seed: '9', duration: '60', 'no-batch': true, collector: 'http://c:1' },
      { SIMULATE_WRITE_KEY: 'k', TOPIC_PREFIX: 'e2e', KAFKA_BROKERS: 'a:1, b:2' },
    );
    expect(o).toMatchObject({
      rate: 20,
      days: 7,
      seed: 9,
      durationS: 60,
      batch: false,
      collectorUrl: 'http://c:1',
    });
    expect([o.writeKey, o.eventsTopic, o.kafkaBrokers]).toEqual(['k', 'e2e.events', ['a:1', 'b:2']]);
  });

  it('names the option that is wrong', () => {
    expect(() => simulateOptions({ rate: 'fast' }, {})).toThrow(OptionError);
    expect(() => simulateOptions({ days: '1.5' }, {})).toThrow(/--days 1.5/);
    expect(() => simulateOptions({ days: '-1' }, {})).toThrow(/--days -1/);
  });
});
