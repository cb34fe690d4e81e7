// Helpers for the processor's integration tests: run the real processor as a child process against
// the test run's Kafka, HDFS and PostgreSQL, make collected events, and read back what it wrote.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Endpoints } from '@clickstream/infra';
import { REPO_ROOT } from '@clickstream/infra';
import { createKafka, EventProducer, ensureTopics } from '@clickstream/infra/kafka';
import type { Pool } from '@clickstream/infra/postgres';
import { type Service, spawnService } from '@clickstream/infra/services';
import { type CollectedEvent, lakeLayout, partitionKey, topicNames } from '@clickstream/schema';
import { collectedEvents } from '@clickstream/schema/fixtures';

export const freshName = (what: string) => `${what}-${randomUUID().slice(0, 8)}`;

/** A fresh topic prefix, lake root, consumer group and PostgreSQL schema, and the processor's env. */
export function processorSetup(infra: Endpoints, extra: Record<string, string> = {}) {
  const prefix = freshName('proc');
  const root = `/test/${freshName('lake')}`;
  const schema = `rt_${randomUUID().slice(0, 8).replace(/-/g, '')}`;
  const env: Record<string, string> = {
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    TOPIC_PREFIX: prefix,
    PROCESSOR_GROUP_ID: `${prefix}-group`,
    WEBHDFS_URL: infra.webhdfsUrl,
    HDFS_USER: infra.hdfsUser,
    LAKE_ROOT: root,
    POSTGRES_URL: infra.postgresUrl,
    PROCESSOR_PG_SCHEMA: schema,
    PROCESSOR_COMMIT_MS: '500',
    PROCESSOR_FLUSH_MS: '100',
    PROCESSOR_IDLE_MS: '3000',
    ...extra,
  };
  return { topics: topicNames(prefix), lake: lakeLayout(root), schema, env };
}

/** The real processor as a child process. */
export function startProcessor(env: Record<string, string>): Service {
  return spawnService('processor', join(REPO_ROOT, 'processor', 'src', 'main.ts'), env);
}

/** A collected event from the golden fixture with the given changes (a fresh messageId by default). */
export function collected(over: Partial<CollectedEvent>): CollectedEvent {
  const base = collectedEvents['order-completed'] as CollectedEvent;
  return { ...base, messageId: randomUUID(), ...over };
}

/** `n` collected events spread over two hours of 2026-11-24 (10:xx and 11:xx UTC), 20 visitors. */
export function makeEvents(n: number): CollectedEvent[] {
  return Array.from({ length: n }, (_, i) => {
    const t = Date.parse('2026-11-24T10:30:00.000Z') + Math.floor((i * 3_600_000) / n);
    const page = i % 3 !== 0;
    return collected({
      type: page ? 'page' : 'track',
      event: page ? null : 'Product Viewed',
      anonymousId: `visitor-${i % 20}`,
      timestamp: new Date(t).toISOString(),
      receivedAt: new Date(t + 100).toISOString(),
      properties: page ? {} : { product_id: `p-${i % 7}` },
    });
  });
}

/** Sends events keyed like the collector does, in order. */
export async function produceEvents(
  producer: EventProducer,
  topic: string,
  events: readonly CollectedEvent[],
): Promise<void> {
  await producer.send(
    topic,
    events.map((e) => ({ key: partitionKey(e), value: JSON.stringify(e) })),
  );
}

export function testProducer(infra: Endpoints) {
  const kafka = createKafka({
    brokers: infra.kafkaBrokers,
    clientId: 'processor-int-test',
    logLevel: 'nothing',
  });
  return { kafka, producer: new EventProducer(kafka) };
}

/** The processor's topics as it creates them: 3 partitions of events, 1 of dead letters. */
export function createTopics(
  kafka: ReturnType<typeof createKafka>,
  topics: { events: string; deadLetter: string },
) {
  return ensureTopics(kafka, [
    { topic: topics.events, partitions: 3 },
    { topic: topics.deadLetter, partitions: 1 },
  ]);
}

/** Columns that say when a row was written, not what it says: left out of comparisons. */
const VOLATILE = new Set(['updated_at', 'claimed_at']);

/**
 * Every row of the real-time tables, as comparable JSON: timestamps as ISO strings, sorted by
 * every column. `withPartition: false` leaves the Kafka partition out.
 */
export async function readRealtime(pool: Pool, schema: string): Promise<Record<string, unknown[]>> {
  const tables = [
    'minute_metrics',
    'page_minute',
    'hourly_active_users',
    'orders',
    'live_visitors',
    'sessions',
    'daily_counts',
  ];
  const out: Record<string, unknown[]> = {};
  for (const t of tables) {
    const { rows } = await pool.query(`SELECT * FROM ${schema}.${t}`);
    out[t] = rows
      .map((r: Record<string, unknown>) =>
        Object.fromEntries(
          Object.entries(r)
            .filter(([k]) => !VOLATILE.has(k))
            .map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
        ),
      )
      .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  }
  return out;
}

export async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!done(last)) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 500));
    last = await read();
  }
  return last;
}

/** A small deterministic random source (same seed, same numbers). */
export function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/**
 * Synthetic shop traffic with everything the stream must get right: `visitors` browsing over
 * about three hours of 2026-11-24, with retries (the same messageId twice), bots, events a few
 * minutes out of order, events far behind (late), orders reported twice, and a shop backend
 * that sends orders with a userId only. Deterministic for a seed.
 */
export function syntheticTraffic(seed: number, n: number, visitors = 60): CollectedEvent[] {
  const random = seeded(seed);
  const start = Date.parse('2026-11-24T20:00:00.000Z');
  const out: CollectedEvent[] = [];
  const clock = new Map<number, number>();
  const pages = ['/', '/p/cup', '/p/mug', '/p/pot', '/cart', '/about', '/search?q=tea'];
  let orderSeq = 0;
  for (let i = 0; i < n; i++) {
    const v = Math.floor(random() * visitors);
    const bot = v % 17 === 0;
    const server = v % 13 === 0;
    // Each visitor's clock moves on by seconds, sometimes by more than the 30-minute session gap.
    let t = (clock.get(v) ?? start + Math.floor(random() * 3_600_000)) + Math.floor(random() * 90_000);
    if (random() < 0.03) t += 31 * 60_000;
    clock.set(v, t);
    let eventTime = t;
    const r = random();
    if (r < 0.05)
      eventTime -= Math.floor(random() * 4 * 60_000); // a little out of order
    else if (r < 0.06) eventTime -= 45 * 60_000; // far behind: late
    const who = server
      ? { anonymousId: null, userId: `customer-${v}` }
      : { anonymousId: `visitor-${v}`, userId: null };
    const kind = random();
    let what: Partial<CollectedEvent>;
    if (server || kind < 0.04) {
      const id = `order-${seed}-${orderSeq++}`;
      what = {
        type: 'track',
        event: 'Order Completed',
        properties: {
          order_id: id,
          revenue: Math.round(random() * 10_000) / 100,
          currency: random() < 0.8 ? 'EUR' : 'USD',
        },
      };
    } else if (kind < 0.5) {
      const path = pages[Math.floor(random() * pages.length)] as string;
      what = {
        type: 'page',
        event: null,
        properties: {},
        context: { page: { path, referrer: 'https://ref.example/' } },
      };
    } else if (kind < 0.7) {
      what = {
        type: 'track',
        event: 'Element Clicked',
        properties: { tag: 'a', text: 'x', selector: 'a.x' },
      };
    } else if (kind < 0.8) {
      what = { type: 'track', event: 'Product Viewed', properties: { product_id: `p-${v % 5}` } };
    } else if (kind < 0.88) {
      what = { type: 'track', event: 'Product Added', properties: { product_id: `p-${v % 5}` } };
    } else if (kind < 0.94) {
      what = { type: 'track', event: 'Checkout Started', properties: {} };
    } else {
      what = { type: 'identify', event: null, properties: {}, traits: { plan: 'gold' } };
    }
    const e = collected({
      siteId: 'shop',
      ...who,
      sessionId: server ? null : `sdk-${v}-${Math.floor(t / 3_600_000)}`,
      timestamp: new Date(eventTime).toISOString(),
      receivedAt: new Date(t + 150).toISOString(),
      isBot: bot,
      ...what,
    });
    out.push(e);
    if (random() < 0.02) out.push({ ...e, receivedAt: new Date(t + 5_000).toISOString() }); // a retry
    if (what.event === 'Order Completed' && random() < 0.2) {
      // The same order reported again later (a confirmation page reload).
      out.push(
        collected({
          ...e,
          messageId: randomUUID(),
          timestamp: new Date(t + 60_000).toISOString(),
          receivedAt: new Date(t + 60_150).toISOString(),
        }),
      );
    }
  }
  // The collector appends in the order it receives.
  return out.sort((a, b) => Date.parse(a.receivedAt) - Date.parse(b.receivedAt));
}
