// The Kafka access module against the real broker started by global-setup.ts.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createKafka,
  EventProducer,
  ensureTopics,
  headersOf,
  type IncomingBatch,
  isRetriable,
  probeKafka,
  startConsumer,
} from '../src/kafka.ts';

const { kafkaBrokers } = inject('infra');
// Quiet: some tests provoke errors on purpose, and kafkajs logs each one.
const kafka = createKafka({ brokers: kafkaBrokers, clientId: 'kafka-int-test', logLevel: 'nothing' });
const fresh = (what: string) => `test.${what}.${randomUUID().slice(0, 8)}`;

async function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Kafka (real broker)', () => {
  const producer = new EventProducer(kafka);
  beforeAll(() => producer.connect());
  afterAll(() => producer.disconnect());

  it('answers metadata', async () => {
    expect(await probeKafka(kafkaBrokers)).toBe(true);
    const admin = kafka.admin();
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.disconnect();
    expect(cluster.brokers).toHaveLength(1);
    expect(`${cluster.brokers[0]?.host}:${cluster.brokers[0]?.port}`).toBe(kafkaBrokers[0]);
  });

  it('creates topics once', async () => {
    const topic = fresh('topics');
    expect(await ensureTopics(kafka, [{ topic, partitions: 3 }])).toEqual([topic]);
    expect(await ensureTopics(kafka, [{ topic, partitions: 3 }])).toEqual([]);
    const admin = kafka.admin();
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    await admin.disconnect();
    expect(meta.topics[0]?.partitions).toHaveLength(3);
  });

  it('produces with acks=all, keeps one key in one partition, and consumes in a group with headers', async () => {
    const topic = fresh('roundtrip');
    await ensureTopics(kafka, [{ topic, partitions: 3 }]);
    const messages = Array.from({ length: 30 }, (_, i) => ({
      key: `visitor-${i % 3}`,
      value: JSON.stringify({ i }),
      headers: { 'x-test': `h${i}` },
    }));
    const acks = await producer.send(topic, messages);
    expect(acks.reduce((n, a) => n + (a.errorCode === 0 ? 1 : 0), 0)).toBe(acks.length);

    const seen: Array<{ key: string; partition: number; i: number; header: string }> = [];
    const running = await startConsumer(kafka, {
      groupId: fresh('group'),
      topics: [topic],
      handleBatch: async (b: IncomingBatch) => {
        for (const m of b.messages) {
          seen.push({
            key: String(m.key),
            partition: b.partition,
            i: JSON.parse(String(m.value)).i,
            header: headersOf(m)['x-test'] ?? '',
          });
        }
      },
    });
    await until(() => seen.length >= 30);
    await running.stop();

    expect(seen.map((s) => s.i).sort((a, b) => a - b)).toEqual(messages.map((_, i) => i));
    for (const s of seen) expect(s.header).toBe(`h${s.i}`);
    const partitionsPerKey = new Map<string, Set<number>>();
    for (const s of seen)
      partitionsPerKey.set(s.key, (partitionsPerKey.get(s.key) ?? new Set()).add(s.partition));
    for (const parts of partitionsPerKey.values()) expect(parts.size).toBe(1);
    // Within a key (one partition), order is the production order.
    for (const key of partitionsPerKey.keys()) {
      const order = seen.filter((s) => s.key === key).map((s) => s.i);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
  });

  it('commits only after the handler succeeded: a failed batch is delivered again, a committed one is not', async () => {
    const topic = fresh('commit');
    const groupId = fresh('group');
    await ensureTopics(kafka, [{ topic, partitions: 1 }]);
    await producer.send(
      topic,
      [1, 2, 3].map((n) => ({ key: 'k', value: String(n) })),
    );

    const deliveries: string[] = [];
    let failFirst = true;
    const first = await startConsumer(kafka, {
      groupId,
      topics: [topic],
      handleBatch: async (b) => {
        deliveries.push(...b.messages.map((m) => String(m.value)));
        if (failFirst) {
          failFirst = false;
          throw new Error('lake write failed');
        }
      },
    });
    await until(() => deliveries.filter((v) => v === '1').length >= 2);
    await until(() => deliveries.includes('3') && deliveries.lastIndexOf('3') > deliveries.indexOf('1'));
    await first.stop();
    // The first delivery failed, so everything it carried came again.
    expect(deliveries.filter((v) => v === '1')).toHaveLength(2);

    // The second delivery was committed: a new member of the group sees only what came after.
    await producer.send(topic, [{ key: 'k', value: '4' }]);
    const later: string[] = [];
    const second = await startConsumer(kafka, {
      groupId,
      topics: [topic],
      handleBatch: async (b) => {
        later.push(...b.messages.map((m) => String(m.value)));
      },
    });
    await until(() => later.includes('4'));
    await second.stop();
    expect(later).toEqual(['4']);
  });

  it('rejects a send it cannot deliver instead of reporting success', async () => {
    const strict = createKafka({
      brokers: kafkaBrokers,
      clientId: 'kafka-int-test-strict',
      retries: 1,
      logLevel: 'nothing',
    });
    const p = new EventProducer(strict);
    await p.connect();
    const err = await p.send(fresh('missing-topic'), [{ key: 'k', value: 'v' }]).catch((e: unknown) => e);
    await p.disconnect();
    expect(err).toBeInstanceOf(Error);
  });

  it("stores a send above the broker's 1 MB batch limit, in order (it is split)", async () => {
    // The processor dead-letters what one fetch returned (up to 1 MB per partition) plus headers,
    // all to one partition: one record batch above message.max.bytes would be refused every time.
    const topic = fresh('big-send');
    await ensureTopics(kafka, [{ topic, partitions: 1 }]);
    const value = 'x'.repeat(20_000);
    const messages = Array.from({ length: 150 }, (_, i) => ({
      key: 'one-key',
      value: `${i}:${value}`,
      headers: { 'x-i': String(i) },
    }));
    await producer.send(topic, messages); // 3 MB
    const seen: string[] = [];
    const consumer = await startConsumer(kafka, {
      groupId: fresh('big-send-group'),
      topics: [topic],
      fromBeginning: true,
      handleBatch: async (batch: IncomingBatch) => {
        for (const m of batch.messages) seen.push(m.value?.toString().split(':')[0] ?? '');
      },
    });
    try {
      await until(() => seen.length >= 150);
    } finally {
      await consumer.stop();
    }
    expect(seen).toEqual(messages.map((_, i) => String(i)));
  });

  it('reports an unreachable broker as retriable', async () => {
    const nowhere = createKafka({
      brokers: ['127.0.0.1:1'],
      clientId: 'nowhere',
      retries: 0,
      logLevel: 'nothing',
    });
    const p = new EventProducer(nowhere, { idempotent: false });
    const err = await p.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(isRetriable(err)).toBe(true);
    expect(await probeKafka(['127.0.0.1:1'])).toBe(false);
  });
});
