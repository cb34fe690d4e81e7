import { invalidWireEvents, validWireEvents } from '@clickstream/schema/fixtures';
import { describe, expect, it } from 'vitest';
import { buildApp, type EventSink } from './app.ts';
import { readCollectorConfig } from './config.ts';

const noGeo = () => ({ country: null, region: null, city: null });
const pageView = validWireEvents['page-view']!;
const ok: EventSink = { send: async () => {} };

function setup(sink: EventSink = ok) {
  return buildApp(readCollectorConfig({ TOPIC_PREFIX: 'unit' }), {
    sink,
    geo: noGeo,
    kafkaReady: async () => true,
  });
}

/** The value of one sample in Prometheus text format, e.g. `x_total{reason="invalid"}`. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no sample ${series} in\n${text}`);
  return Number(line.slice(series.length + 1));
}

async function scrape(app: ReturnType<typeof setup>): Promise<string> {
  const res = await app.inject('/metrics');
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.body;
}

const post = (app: ReturnType<typeof setup>, batch: unknown[], headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/v1/batch', headers, payload: { batch, writeKey: 'demo-shop-key' } });

describe('GET /metrics', () => {
  it('starts with every series at zero, rejection reasons included', async () => {
    const text = await scrape(setup());
    expect(sample(text, 'collector_events_accepted_total')).toBe(0);
    for (const reason of [
      'invalid',
      'too_large',
      'unauthorized',
      'rate_limited',
      'overloaded',
      'kafka_error',
    ])
      expect(sample(text, `collector_events_rejected_total{reason="${reason}"}`)).toBe(0);
    expect(sample(text, 'collector_kafka_produce_errors_total')).toBe(0);
    expect(sample(text, 'collector_produce_duration_seconds_count')).toBe(0);
    // The scrape itself is in flight.
    expect(sample(text, 'collector_http_requests_in_flight')).toBe(1);
  });

  it('counts accepted events and rejected ones by reason', async () => {
    const app = setup();
    const bad = invalidWireEvents['track-without-event']!.event;
    const big = { ...pageView, properties: { blob: 'x'.repeat(40 * 1024) } };
    expect((await post(app, [pageView, pageView, bad, big])).statusCode).toBe(200);
    const { writeKey: _k, ...keyless } = pageView;
    const unknownKey = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      payload: { batch: [keyless, keyless], writeKey: 'nope' },
    });
    expect(unknownKey.statusCode).toBe(401);
    const notJson = await app.inject({
      method: 'POST',
      url: '/v1/batch',
      headers: { 'content-type': 'text/plain' },
      payload: '{"batch":',
    });
    expect(notJson.statusCode).toBe(400);
    const badEnvelope = await app.inject({ method: 'POST', url: '/v1/batch', payload: { batch: [] } });
    expect(badEnvelope.statusCode).toBe(400);

    const text = await scrape(app);
    expect(sample(text, 'collector_events_accepted_total')).toBe(2);
    expect(sample(text, 'collector_events_rejected_total{reason="invalid"}')).toBe(1);
    expect(sample(text, 'collector_events_rejected_total{reason="too_large"}')).toBe(1);
    expect(sample(text, 'collector_events_rejected_total{reason="unauthorized"}')).toBe(2);
    expect(sample(text, 'collector_requests_rejected_total{reason="invalid_json"}')).toBe(1);
    expect(sample(text, 'collector_requests_rejected_total{reason="invalid_body"}')).toBe(1);
    // One produce call per request with accepted events.
    expect(sample(text, 'collector_produce_duration_seconds_count')).toBe(1);
    expect(sample(text, 'collector_produce_duration_seconds_bucket{le="+Inf"}')).toBe(1);
  });

  it('counts Kafka produce errors and the events they cost', async () => {
    const app = setup({ send: async () => Promise.reject(new Error('broker down')) });
    expect((await post(app, [pageView, pageView])).statusCode).toBe(503);
    const text = await scrape(app);
    expect(sample(text, 'collector_kafka_produce_errors_total')).toBe(1);
    expect(sample(text, 'collector_events_rejected_total{reason="kafka_error"}')).toBe(2);
    expect(sample(text, 'collector_events_accepted_total')).toBe(0);
    expect(sample(text, 'collector_produce_duration_seconds_count')).toBe(1);
  });

  it('shows requests in flight and events waiting on Kafka, and measures the wait', async () => {
    let release = () => {};
    const acked = new Promise<void>((resolve) => {
      release = resolve;
    });
    const app = setup({ send: () => acked });
    const waiting = post(app, [pageView, pageView, pageView]);
    await expect.poll(async () => sample(await scrape(app), 'collector_events_pending')).toBe(3);
    expect(sample(await scrape(app), 'collector_http_requests_in_flight')).toBe(2);
    await new Promise((r) => setTimeout(r, 30));
    release();
    expect((await waiting).statusCode).toBe(200);
    const text = await scrape(app);
    expect(sample(text, 'collector_events_pending')).toBe(0);
    expect(sample(text, 'collector_http_requests_in_flight')).toBe(1);
    expect(sample(text, 'collector_produce_duration_seconds_bucket{le="0.01"}')).toBe(0);
    expect(sample(text, 'collector_produce_duration_seconds_bucket{le="+Inf"}')).toBe(1);
    expect(sample(text, 'collector_produce_duration_seconds_sum')).toBeGreaterThanOrEqual(0.025);
  });
});
