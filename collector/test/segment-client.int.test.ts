// Compatibility: Segment's own server library (@segment/analytics-node) pointed at the collector,
// which runs in-process with the producer and sink server.ts uses, against the test Kafka. What it sends must land
// on the topic with the same meaning: type, event or page name, user/anonymous id, properties,
// traits, and its explicit timestamps. The write key travels as HTTP Basic user, as Segment sends it.
// A server-side site trusts the context.ip the library reports; one that is not an IP address goes
// to the dead-letter topic with its reason in headers.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { FastEventProducer } from '@clickstream/infra/fast-producer';
import { createKafka, ensureTopics, probeKafka, startConsumer } from '@clickstream/infra/kafka';
import {
  type CollectedEvent,
  DEAD_LETTER_HEADERS,
  topicNames,
  validateCollectedEvent,
} from '@clickstream/schema';
import { Analytics } from '@segment/analytics-node';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { readCollectorConfig } from '../src/config.ts';
import { NO_GEO } from '../src/geo.ts';
import { createKafkaSink } from '../src/kafka-sink.ts';

const { kafkaBrokers } = inject('infra');
const kafka = createKafka({ brokers: kafkaBrokers, clientId: 'collector-segment-test', logLevel: 'nothing' });
const producer = new FastEventProducer({ brokers: kafkaBrokers, clientId: 'collector-segment-test' });
const prefix = `segment-${randomUUID().slice(0, 8)}`;
const topics = topicNames(prefix);
const WRITE_KEY = 'segment-test-key';
const SERVER_KEY = 'segment-server-key';

let app: FastifyInstance;
let host: string;

beforeAll(async () => {
  await ensureTopics(kafka, [
    { topic: topics.events, partitions: 3 },
    { topic: topics.deadLetter, partitions: 1 },
  ]);
  await producer.connect();
  const config = readCollectorConfig({
    KAFKA_BROKERS: kafkaBrokers.join(','),
    TOPIC_PREFIX: prefix,
    COLLECTOR_SITES: JSON.stringify([
      { siteId: 'segment-site', writeKey: WRITE_KEY },
      { siteId: 'segment-server', writeKey: SERVER_KEY, trustContextIp: true },
    ]),
  });
  app = buildApp(config, {
    sink: createKafkaSink(producer), // as server.ts does
    geo: () => NO_GEO,
    kafkaReady: () => probeKafka(kafkaBrokers),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  host = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await app?.close();
  await producer.disconnect();
});

interface Read {
  readonly value: unknown;
  readonly headers: Record<string, string>;
}

/** Reads a whole topic until `n` messages matching `keep` arrived (or the poll times out). */
async function readTopic(topic: string, n: number, keep: (m: Read) => boolean = () => true) {
  const seen: Read[] = [];
  const consumer = await startConsumer(kafka, {
    groupId: `${prefix}-reader-${randomUUID().slice(0, 4)}`,
    topics: [topic],
    fromBeginning: true,
    handleBatch: async (batch) => {
      for (const m of batch.messages) {
        const headers = Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)]));
        const read = { value: JSON.parse(m.value?.toString() ?? 'null'), headers };
        if (keep(read)) seen.push(read);
      }
    },
  });
  try {
    await expect.poll(() => seen.length, { timeout: 30_000, interval: 250 }).toBeGreaterThanOrEqual(n);
    return seen;
  } finally {
    await consumer.stop();
  }
}

const fromSite = (siteId: string) => (m: Read) => (m.value as CollectedEvent).siteId === siteId;

/** A Segment client that records every HTTP status it got and every error it reported. */
function segmentClient(writeKey: string) {
  const analytics = new Analytics({ writeKey, host, flushAt: 10, flushInterval: 200, maxRetries: 2 });
  const statuses: number[] = [];
  const errors: string[] = [];
  analytics.on('http_response', (r) => statuses.push(r.status));
  analytics.on('error', (e) => errors.push(String((e as { reason?: unknown }).reason ?? e.code)));
  return { analytics, statuses, errors };
}

describe('@segment/analytics-node -> collector -> Kafka', () => {
  it('delivers track, page and identify with the same meaning', async () => {
    const { analytics, statuses, errors } = segmentClient(WRITE_KEY);
    const orderTime = new Date('2026-11-24T10:30:00.000Z');
    analytics.track({
      userId: 'customer-42',
      event: 'Order Completed',
      properties: {
        order_id: 'ORD-7',
        revenue: 37.5,
        currency: 'EUR',
        products: [{ product_id: 'p-1', sku: 'CUP-1', price: 12.5, quantity: 3 }],
      },
      timestamp: orderTime,
    });
    analytics.page({
      anonymousId: 'anon-segment-1',
      name: 'Checkout',
      properties: { path: '/checkout', title: 'Checkout - Demo Shop' },
    });
    analytics.identify({ userId: 'customer-42', traits: { plan: 'gold', email_domain: 'example.com' } });
    await analytics.closeAndFlush({ timeout: 20_000 });

    expect(errors).toEqual([]);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200)).toBe(true);

    const events = (await readTopic(topics.events, 3, fromSite('segment-site'))).map(
      (m) => m.value as CollectedEvent,
    );
    expect(events).toHaveLength(3);
    for (const e of events) {
      expect(validateCollectedEvent(e).ok).toBe(true);
      expect(e.siteId).toBe('segment-site');
      expect(e.context.library?.name).toBe('@segment/analytics-node');
    }
    const byType = Object.fromEntries(events.map((e) => [e.type, e]));
    expect(byType.track).toMatchObject({
      event: 'Order Completed',
      userId: 'customer-42',
      anonymousId: null,
      properties: {
        order_id: 'ORD-7',
        revenue: 37.5,
        currency: 'EUR',
        products: [{ product_id: 'p-1', sku: 'CUP-1', price: 12.5, quantity: 3 }],
      },
      // Server libraries send `timestamp`: taken as is.
      timestamp: orderTime.toISOString(),
    });
    expect(byType.page).toMatchObject({
      name: 'Checkout',
      anonymousId: 'anon-segment-1',
      userId: null,
      properties: { path: '/checkout', title: 'Checkout - Demo Shop' },
    });
    expect(byType.identify).toMatchObject({
      userId: 'customer-42',
      traits: { plan: 'gold', email_domain: 'example.com' },
    });
    // Segment's own ids are kept (they are the deduplication key downstream).
    for (const e of events) expect(e.messageId).toMatch(/^node-next-\d+-/);
  });

  it('refuses an unknown write key with 401, which the client reports and does not retry', async () => {
    const { analytics, statuses, errors } = segmentClient('not-a-key');
    analytics.track({ userId: 'u-1', event: 'Nothing' });
    await analytics.closeAndFlush({ timeout: 10_000 });
    expect(statuses).toEqual([401]);
    expect(errors).toHaveLength(1);
  });

  it('a server site: a reported context.ip is used; one that is not an IP goes to the dead-letter topic', async () => {
    const { analytics, statuses, errors } = segmentClient(SERVER_KEY);
    analytics.track({ userId: 'u-ip', event: 'Good IP', context: { ip: '203.0.113.9' } });
    analytics.track({ userId: 'u-ip', event: 'Bad IP', context: { ip: 'unknown' } });
    await analytics.closeAndFlush({ timeout: 20_000 });
    expect(errors).toEqual([]);
    expect(statuses.every((s) => s === 200)).toBe(true);

    const [good] = await readTopic(topics.events, 1, fromSite('segment-server'));
    expect(good?.value).toMatchObject({ event: 'Good IP', ip: '203.0.113.0' });
    const [dead, ...more] = await readTopic(topics.deadLetter, 1);
    expect(more).toEqual([]);
    expect(dead?.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.reason]: 'invalid-context-ip',
      [DEAD_LETTER_HEADERS.stage]: 'collector',
      [DEAD_LETTER_HEADERS.siteId]: 'segment-server',
    });
    expect(dead?.value).toMatchObject({ type: 'track', event: 'Bad IP', userId: 'u-ip' });
    expect((dead?.value as { context?: Record<string, unknown> } | undefined)?.context).not.toHaveProperty(
      'ip',
    );
  });
});
