import { validWireEvents } from '@clickstream/schema/fixtures';
import { describe, expect, it } from 'vitest';
import { buildApp, type EventSink } from './app.ts';
import { readCollectorConfig } from './config.ts';
import { retryAfterSeconds, TokenBuckets } from './rate-limit.ts';

const T0 = Date.parse('2026-11-24T10:00:00.000Z');
const pageView = validWireEvents['page-view']!;
const { writeKey: _k, ...keyless } = pageView;
const OTHER_SITE = { siteId: 'other', writeKey: 'other-key', origins: [] };
const SITES = JSON.stringify([{ siteId: 'demo-shop', writeKey: 'demo-shop-key' }, OTHER_SITE]);

function setup(env: Record<string, string>, sink: EventSink = { send: async () => {} }) {
  const clock = { now: T0 };
  const app = buildApp(readCollectorConfig({ COLLECTOR_SITES: SITES, ...env }), {
    sink,
    geo: () => ({ country: null, region: null, city: null }),
    kafkaReady: async () => true,
    now: () => clock.now,
  });
  const post = (n: number, opts: { writeKey?: string; ip?: string } = {}) =>
    app.inject({
      method: 'POST',
      url: '/v1/batch',
      remoteAddress: opts.ip ?? '203.0.113.7',
      payload: { batch: Array(n).fill(keyless), writeKey: opts.writeKey ?? 'demo-shop-key' },
    });
  return { app, clock, post };
}

describe('TokenBuckets', () => {
  it('allows a burst of a minute, then the steady rate, and says how long to wait', () => {
    const b = new TokenBuckets({ perMinute: 60 }); // one per second
    for (let i = 0; i < 60; i++) expect(b.take('a', 1, T0)).toBe(0);
    expect(b.take('a', 1, T0)).toBe(1000);
    expect(b.take('b', 1, T0)).toBe(0); // keys are independent
    expect(b.take('a', 1, T0 + 500)).toBe(500);
    expect(b.take('a', 1, T0 + 1000)).toBe(0);
    expect(b.take('a', 1, T0 + 1000)).toBe(1000);
  });

  it('lets a request larger than the bucket through once, then makes it pay the debt', () => {
    const b = new TokenBuckets({ perMinute: 60 });
    expect(b.take('a', 100, T0)).toBe(0); // 60 - 100 = -40 tokens
    expect(b.take('a', 1, T0)).toBe(41_000);
    expect(b.take('a', 1, T0 + 41_000)).toBe(0);
  });

  it('never refills backwards when the clock steps back', () => {
    const b = new TokenBuckets({ perMinute: 60 });
    for (let i = 0; i < 60; i++) b.take('a', 1, T0);
    expect(b.take('a', 1, T0 - 10_000)).toBe(1000);
  });

  it('forgets full buckets first, and bounds memory under a flood of keys', () => {
    const b = new TokenBuckets({ perMinute: 60, maxKeys: 100 });
    for (let i = 0; i < 1000; i++) b.take(`ip-${i}`, 1, T0);
    expect(b.size).toBeLessThanOrEqual(100);
    // A minute later every bucket is full again and is dropped on the next sweep.
    const later = new TokenBuckets({ perMinute: 60, maxKeys: 10 });
    for (let i = 0; i < 10; i++) later.take(`ip-${i}`, 1, T0);
    later.take('new', 1, T0 + 60_000);
    expect(later.size).toBe(1);
  });

  it('rounds Retry-After up to whole seconds, at least 1', () => {
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(1000)).toBe(1);
    expect(retryAfterSeconds(1001)).toBe(2);
  });
});

describe('rate limits', () => {
  it('defaults are generous and can be turned off with 0', () => {
    const defaults = readCollectorConfig({});
    expect(defaults).toMatchObject({
      rateLimitIpPerMinute: 6000,
      rateLimitKeyPerMinute: 600_000,
      maxPendingEvents: 20_000,
    });
    expect(readCollectorConfig({ RATE_LIMIT_IP_PER_MINUTE: '0' }).rateLimitIpPerMinute).toBe(0);
    expect(() => readCollectorConfig({ RATE_LIMIT_KEY_PER_MINUTE: '-1' })).toThrow(
      /RATE_LIMIT_KEY_PER_MINUTE=-1/,
    );
    expect(() => readCollectorConfig({ MAX_PENDING_EVENTS: '0' })).toThrow(/MAX_PENDING_EVENTS=0/);
  });

  it('answers 429 with Retry-After per client IP, before reading the body', async () => {
    const { app, clock, post } = setup({ RATE_LIMIT_IP_PER_MINUTE: '2' });
    expect((await post(1)).statusCode).toBe(200);
    expect((await post(1)).statusCode).toBe(200);
    const limited = await post(1);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('30');
    expect(limited.json()).toMatchObject({ error: 'rate_limited' });
    // Even a broken body is refused by the limit first.
    const broken = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      remoteAddress: '203.0.113.7',
      headers: { 'content-type': 'text/plain' },
      payload: '{',
    });
    expect(broken.statusCode).toBe(429);
    expect((await post(1, { ip: '198.51.100.1' })).statusCode).toBe(200);
    // Health, readiness and metrics are never limited.
    for (const url of ['/health', '/ready', '/metrics']) expect((await app.inject(url)).statusCode).toBe(200);
    clock.now += 30_000;
    expect((await post(1)).statusCode).toBe(200);
    const metrics = (await app.inject('/metrics')).body;
    expect(metrics).toContain('collector_requests_rejected_total{reason="rate_limited"} 2');
  });

  it('answers 429 per write key, counted in events, with nothing sent to Kafka', async () => {
    const sent: unknown[] = [];
    const { app, clock, post } = setup(
      { RATE_LIMIT_KEY_PER_MINUTE: '10' },
      {
        send: async (_t, messages) => {
          sent.push(...messages);
        },
      },
    );
    expect((await post(10)).statusCode).toBe(200);
    const limited = await post(3, { ip: '198.51.100.1' });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('6');
    expect(sent).toHaveLength(10);
    // Another site has its own budget.
    expect((await post(3, { writeKey: 'other-key' })).statusCode).toBe(200);
    clock.now += 6_000;
    expect((await post(1)).statusCode).toBe(200);
    const metrics = (await app.inject('/metrics')).body;
    expect(metrics).toContain('collector_events_rejected_total{reason="rate_limited"} 3');
  });

  it('shows Retry-After to browsers of an allowed origin (CORS expose)', async () => {
    const sites = JSON.stringify([
      { siteId: 's', writeKey: 'demo-shop-key', origins: ['https://shop.example'] },
    ]);
    const { app } = setup({ COLLECTOR_SITES: sites, RATE_LIMIT_IP_PER_MINUTE: '1' });
    const send = () =>
      app.inject({
        method: 'POST',
        url: '/v1/batch',
        headers: { origin: 'https://shop.example' },
        payload: { batch: [keyless], writeKey: 'demo-shop-key' },
      });
    expect((await send()).statusCode).toBe(200);
    const limited = await send();
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(limited.headers['access-control-expose-headers']).toBe('retry-after');
  });
});

describe('load shedding', () => {
  it('answers 503 with Retry-After at once while too many events wait on Kafka', async () => {
    const acks: Array<() => void> = [];
    const sink: EventSink = { send: () => new Promise<void>((resolve) => acks.push(resolve)) };
    const { app, post } = setup({ MAX_PENDING_EVENTS: '5' }, sink);

    const first = post(4);
    await expect.poll(() => acks.length).toBe(1);
    // 4 waiting + 2 more would be 6 > 5: shed without waiting for Kafka.
    const shed = await post(2);
    expect(shed.statusCode).toBe(503);
    expect(shed.headers['retry-after']).toBe('1');
    expect(shed.json()).toMatchObject({ error: 'overloaded' });
    // One more fits.
    const second = post(1);
    await expect.poll(() => acks.length).toBe(2);
    // Now the bound is reached: refused before the body is even parsed.
    const atBound = await app.inject({
      method: 'POST',
      url: '/v1/track',
      headers: { 'content-type': 'text/plain' },
      payload: 'not json',
    });
    expect(atBound.statusCode).toBe(503);
    expect((await app.inject('/health')).statusCode).toBe(200);

    for (const ack of acks) ack();
    expect((await first).statusCode).toBe(200);
    expect((await second).statusCode).toBe(200);
    const after = post(2);
    await expect.poll(() => acks.length).toBe(3);
    acks[2]!();
    expect((await after).statusCode).toBe(200);

    const metrics = (await app.inject('/metrics')).body;
    expect(metrics).toContain('collector_events_rejected_total{reason="overloaded"} 2');
    expect(metrics).toContain('collector_requests_rejected_total{reason="overloaded"} 1');
    expect(metrics).toContain('collector_events_accepted_total 7');
  });

  it('still takes a batch larger than the bound when nothing else is waiting', async () => {
    const { post } = setup({ MAX_PENDING_EVENTS: '5' });
    expect((await post(20)).statusCode).toBe(200);
  });
});
