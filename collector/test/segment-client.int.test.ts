// Compatibility: Segment's own server library (@segment/analytics-node) pointed at the collector,
// which runs in-process with the producer and sink server.ts uses, against the test Kafka. What it
// sends must land on the topic with the same meaning: type, event, page or screen name, user and
// anonymous id, group id, previous id, properties, traits, and its explicit timestamps. The write
// key travels as HTTP Basic user, as Segment sends it. A server-side site trusts the context.ip the
// library reports; one that is not an IP address goes to the dead-letter topic with its reason.
import { type CollectedEvent, DEAD_LETTER_HEADERS, validateCollectedEvent } from '@clickstream/schema';
import { Analytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Read, startTestCollector, type TestCollector } from './helpers.ts';

const { kafkaBrokers } = inject('infra');
const WRITE_KEY = 'segment-test-key';
const SERVER_KEY = 'segment-server-key';

let collector: TestCollector;
let host: string;
let topics: TestCollector['topics'];

beforeAll(async () => {
  collector = await startTestCollector({
    brokers: kafkaBrokers,
    sites: [
      { siteId: 'segment-site', writeKey: WRITE_KEY },
      { siteId: 'segment-server', writeKey: SERVER_KEY, trustContextIp: true },
    ],
  });
  host = collector.url;
  topics = collector.topics;
});

afterAll(async () => {
  await collector?.close();
});

const readTopic = (topic: string, n: number, keep?: (m: Read) => boolean) => collector.read(topic, n, keep);
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
  it('delivers track, page, screen, identify, group and alias with the same meaning', async () => {
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
    analytics.screen({ userId: 'customer-42', name: 'Basket', properties: { items: 3 } });
    analytics.group({ userId: 'customer-42', groupId: 'acme', traits: { name: 'Acme GmbH' } });
    analytics.alias({ userId: 'customer-42', previousId: 'anon-segment-1' });
    await analytics.closeAndFlush({ timeout: 20_000 });

    expect(errors).toEqual([]);
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200)).toBe(true);

    const events = (await readTopic(topics.events, 6, fromSite('segment-site'))).map(
      (m) => m.value as CollectedEvent,
    );
    expect(events).toHaveLength(6);
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
    });
    // Its `timestamp` is its clock at creation (here set by the caller), corrected with its sentAt
    // like any client clock: the same clock as ours, so only the few ms of the send move it.
    const shift = Date.parse(byType.track!.timestamp) - orderTime.getTime();
    expect(shift).toBeGreaterThanOrEqual(0);
    expect(shift).toBeLessThan(5_000);
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
    expect(byType.screen).toMatchObject({ name: 'Basket', properties: { items: 3 } });
    expect(byType.group).toMatchObject({ groupId: 'acme', traits: { name: 'Acme GmbH' } });
    expect(byType.alias).toMatchObject({ previousId: 'anon-segment-1', userId: 'customer-42' });
    // Sent with a browser site's key, the library's User-Agent (analytics-node-next) is taken for a
    // bot's: server libraries need a server site's key (trustContextIp), as in the next tests.
    for (const e of events) expect(e.isBot).toBe(true);
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
    expect(good?.value).toMatchObject({ event: 'Good IP', ip: '203.0.113.0', isBot: false });
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
