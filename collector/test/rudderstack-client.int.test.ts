// Compatibility: RudderStack's Node SDK (@rudderstack/rudder-sdk-node) with its default settings
// pointed at the collector (in-process, the producer and sink server.ts uses) on the test Kafka. By
// default it gzips every batch and axios labels it application/x-www-form-urlencoded; its
// User-Agent (analytics-node/<version>) is on bot lists. Every call type must land on the topic
// once, with its meaning, as a person's event of the server site.

import { type CollectedEvent, validateCollectedEvent } from '@clickstream/schema';
import Analytics from '@rudderstack/rudder-sdk-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Arrived, startTestCollector, type TestCollector } from './helpers.ts';

const { kafkaBrokers } = inject('infra');
const SERVER_KEY = 'rudder-server-key';

let collector: TestCollector;
const arrived: Arrived[] = [];

beforeAll(async () => {
  collector = await startTestCollector({
    brokers: kafkaBrokers,
    sites: [{ siteId: 'shop-backend', writeKey: SERVER_KEY, trustContextIp: true }],
    onRequest: (req) => arrived.push(req),
  });
});

afterAll(async () => {
  await collector?.close();
});

describe('@rudderstack/rudder-sdk-node (defaults: gzip on) -> collector -> Kafka', () => {
  it('delivers track, page, screen, identify, group and alias with their meaning', async () => {
    const errors: unknown[] = [];
    const client = new Analytics(SERVER_KEY, {
      dataPlaneUrl: collector.url,
      flushAt: 20,
      flushInterval: 200,
      logLevel: 'error',
      errorHandler: (err) => errors.push(err),
    });
    const orderTime = new Date('2026-11-24T10:30:00.000Z');
    client.track({
      userId: 'customer-7',
      event: 'Order Completed',
      properties: { order_id: 'R-1001', revenue: 59.9, currency: 'EUR' },
      context: { ip: '81.2.69.142' },
      timestamp: orderTime,
    });
    client.page({ anonymousId: 'anon-r-1', name: 'Checkout', properties: { path: '/checkout' } });
    client.screen({ userId: 'customer-7', name: 'Basket', properties: { items: 2 } });
    client.identify({ userId: 'customer-7', traits: { plan: 'gold' } });
    client.group({ userId: 'customer-7', groupId: 'acme', traits: { name: 'Acme GmbH' } });
    client.alias({ userId: 'customer-7', previousId: 'anon-r-1' });
    await client.flush();
    expect(errors).toEqual([]);

    // What the SDK really sent: gzip, labelled as a form, with its library User-Agent.
    const posts = arrived.filter((a) => a.method === 'POST');
    expect(posts.length).toBeGreaterThan(0);
    for (const p of posts) {
      expect(p.url).toBe('/v1/batch');
      expect(p.headers['content-encoding']).toBe('gzip');
      expect(p.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(p.headers['user-agent']).toMatch(/^analytics-node\//);
    }

    const events = (await collector.read(collector.topics.events, 6)).map((m) => m.value as CollectedEvent);
    expect(events).toHaveLength(6);
    expect(new Set(events.map((e) => e.messageId)).size).toBe(6);
    for (const e of events) {
      expect(validateCollectedEvent(e).ok).toBe(true);
      expect(e).toMatchObject({ siteId: 'shop-backend', isBot: false });
      expect(e.context.library?.name).toBe('analytics-node');
    }
    const of = (type: string) => events.find((e) => e.type === type);
    expect(of('track')).toMatchObject({
      event: 'Order Completed',
      userId: 'customer-7',
      properties: { order_id: 'R-1001', revenue: 59.9, currency: 'EUR' },
      // The caller's own time (a historical order) is kept as is.
      timestamp: orderTime.toISOString(),
      geo: { country: null },
      ip: '81.2.69.0',
    });
    expect(of('page')).toMatchObject({
      name: 'Checkout',
      anonymousId: 'anon-r-1',
      properties: { path: '/checkout' },
    });
    expect(of('screen')).toMatchObject({ name: 'Basket', properties: { items: 2 } });
    expect(of('identify')).toMatchObject({ userId: 'customer-7', traits: { plan: 'gold' } });
    expect(of('group')).toMatchObject({ groupId: 'acme', traits: { name: 'Acme GmbH' } });
    expect(of('alias')).toMatchObject({ previousId: 'anon-r-1', userId: 'customer-7' });
    // Without an explicit time, the SDK's clock at creation, corrected with its sentAt.
    const page = of('page')!;
    expect(Math.abs(Date.parse(page.timestamp) - Date.parse(page.receivedAt))).toBeLessThan(5_000);
  });
});
