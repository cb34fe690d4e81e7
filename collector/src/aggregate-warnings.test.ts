import { validWireEvents } from '@clickstream/schema/fixtures';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { aggregateWarnings } from './aggregate-warnings.ts';
import { buildApp } from './app.ts';
import { readCollectorConfig } from './config.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('aggregateWarnings', () => {
  it('logs the first failure at once, then one line per interval with a count, and nothing when quiet', () => {
    vi.useFakeTimers();
    const lines: Array<[Record<string, unknown>, string]> = [];
    const agg = aggregateWarnings({
      message: 'kafka produce failed',
      intervalMs: 10_000,
      warn: (fields, message) => lines.push([fields, message]),
    });
    for (let i = 0; i < 1000; i++) agg.record(i < 999 ? 'broker down' : 'NOT_LEADER', 3);
    expect(lines).toEqual([[{ failures: 1, events: 3, err: 'broker down' }, 'kafka produce failed']]);
    vi.advanceTimersByTime(10_000);
    expect(lines[1]).toEqual([
      { failures: 999, events: 2997, intervalMs: 10_000, err: 'NOT_LEADER' },
      'kafka produce failed: 999 more time(s) in the last 10 s',
    ]);
    // A quiet interval ends the outage's aggregation: the next failure is logged at once again.
    vi.advanceTimersByTime(30_000);
    expect(lines).toHaveLength(2);
    agg.record('broker down', 1);
    expect(lines).toHaveLength(3);
    expect(lines[2]?.[0]).toMatchObject({ failures: 1 });
  });

  it('flush logs what was counted (at shutdown)', () => {
    vi.useFakeTimers();
    const lines: string[] = [];
    const agg = aggregateWarnings({
      message: 'm',
      intervalMs: 10_000,
      warn: (_f, message) => lines.push(message),
    });
    agg.record('e', 1);
    agg.record('e', 1);
    agg.flush();
    expect(lines).toEqual(['m', 'm: 1 more time(s) in the last 10 s']);
    vi.advanceTimersByTime(60_000);
    expect(lines).toHaveLength(2);
  });
});

describe('the collector during a Kafka outage', () => {
  it('logs failed produces once per interval, not once per request', async () => {
    const app = buildApp(readCollectorConfig({ TOPIC_PREFIX: 'unit' }), {
      sink: { send: async () => Promise.reject(new Error('broker down')) },
      geo: () => ({ country: null, region: null, city: null }),
      kafkaReady: async () => false,
      warnIntervalMs: 300,
    });
    const warn = vi.spyOn(app.log, 'warn');
    const post = () =>
      app.inject({
        method: 'POST',
        url: '/v1/batch',
        payload: { batch: [validWireEvents['page-view']], writeKey: 'demo-shop-key' },
      });
    const statuses = await Promise.all(
      Array.from({ length: 40 }, post).map(async (r) => (await r).statusCode),
    );
    expect(statuses.every((s) => s === 503)).toBe(true);
    expect(warn).toHaveBeenCalledTimes(1);
    await vi.waitFor(() => expect(warn).toHaveBeenCalledTimes(2), { timeout: 2000 });
    expect(warn.mock.calls[1]).toEqual([
      { failures: 39, events: 39, intervalMs: 300, err: 'broker down' },
      'kafka produce failed: 39 more time(s) in the last 0.3 s',
    ]);
    await app.close();
  });
});
