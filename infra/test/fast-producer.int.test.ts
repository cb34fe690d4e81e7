// The collector's producer (@platformatic/kafka underneath) against the real broker: a key lands on
// the same partition as with kafkajs (Java's murmur2 rule), overlapping sends are all stored (the
// client alone acknowledges some it never stored: see fast-producer.ts), in order, headers and values
// intact, a cluster with no producer id to give is asked again, and a closed producer refuses
// instead of losing.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { errorText } from '../src/errors.ts';
import { FastEventProducer } from '../src/fast-producer.ts';
import {
  createKafka,
  EventProducer,
  ensureTopics,
  headersOf,
  type IncomingBatch,
  startConsumer,
} from '../src/kafka.ts';
import { freePorts } from './global-setup.ts';

const { kafkaBrokers } = inject('infra');
const kafka = createKafka({ brokers: kafkaBrokers, clientId: 'fast-producer-test', logLevel: 'nothing' });
const fresh = (what: string) => `test.${what}.${randomUUID().slice(0, 8)}`;

interface Seen {
  readonly key: string;
  readonly partition: number;
  readonly value: string;
  readonly header: string | undefined;
}

async function readAll(topic: string, n: number): Promise<Seen[]> {
  const seen: Seen[] = [];
  const running = await startConsumer(kafka, {
    groupId: fresh('group'),
    topics: [topic],
    handleBatch: async (b: IncomingBatch) => {
      for (const m of b.messages)
        seen.push({
          key: String(m.key),
          partition: b.partition,
          value: String(m.value),
          header: headersOf(m)['x-test'],
        });
    },
  });
  const deadline = Date.now() + 30_000;
  while (seen.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await running.stop();
  return seen;
}

describe('FastEventProducer (real broker)', () => {
  const fast = new FastEventProducer({ brokers: kafkaBrokers, clientId: 'fast-producer-test' });
  afterAll(() => fast.disconnect());

  it('puts every key on the partition kafkajs (and Java) would choose', async () => {
    const topicFast = fresh('fast');
    const topicKafkajs = fresh('kafkajs');
    await ensureTopics(kafka, [
      { topic: topicFast, partitions: 6 },
      { topic: topicKafkajs, partitions: 6 },
    ]);
    await fast.connect();
    const messages = Array.from({ length: 60 }, (_, i) => ({ key: `visitor-${i}`, value: `v${i}` }));
    const reference = new EventProducer(kafka);
    await reference.connect();
    await reference.send(topicKafkajs, messages);
    await reference.disconnect();
    await fast.send(topicFast, messages);

    const partitionOf = (rows: Seen[]) => new Map(rows.map((r) => [r.key, r.partition]));
    const viaFast = partitionOf(await readAll(topicFast, 60));
    const viaKafkajs = partitionOf(await readAll(topicKafkajs, 60));
    expect(viaFast.size).toBe(60);
    expect(viaFast).toEqual(viaKafkajs);
    // Spread over the partitions, not all on one.
    expect(new Set(viaFast.values()).size).toBeGreaterThan(3);
  });

  it('takes 40 overlapping sends, keeps each key in order, and carries headers', async () => {
    const topic = fresh('overlap');
    await ensureTopics(kafka, [{ topic, partitions: 3 }]);
    await Promise.all(
      Array.from({ length: 40 }, (_, s) =>
        fast.send(
          topic,
          Array.from({ length: 5 }, (_, i) => ({
            key: `visitor-${i}`,
            value: String(s * 5 + i),
            headers: { 'x-test': `send-${s}` },
          })),
        ),
      ),
    );
    const seen = await readAll(topic, 200);
    expect(seen).toHaveLength(200);
    for (let i = 0; i < 5; i++) {
      const values = seen.filter((r) => r.key === `visitor-${i}`).map((r) => Number(r.value));
      expect(values).toEqual(Array.from({ length: 40 }, (_, s) => s * 5 + i));
    }
    expect(seen.find((r) => r.value === '37')?.header).toBe('send-7');
  });

  it('asks again for a producer id until connectWaitMs, saying why, then fails with the causes', async () => {
    const [closed] = await freePorts(1);
    const retries: string[] = [];
    const producer = new FastEventProducer({
      brokers: [`127.0.0.1:${closed}`],
      clientId: 'fast-producer-waits',
      timeoutMs: 500,
      connectWaitMs: 3_000,
      onConnectRetry: (why) => retries.push(why),
    });
    const t0 = Date.now();
    const failed = await producer.connect().then(
      () => null,
      (err: unknown) => errorText(err),
    );
    expect(failed).toMatch(
      /^initProducerId failed \d+ times\. \(Cannot connect to any broker\. \(Connection to 127\.0\.0\.1:\d+ failed/,
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2_000);
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(retries[0]).toMatch(/Cannot connect to any broker/);
    await producer.disconnect();
  });

  it('refuses sends after disconnect', async () => {
    const producer = new FastEventProducer({ brokers: kafkaBrokers, clientId: 'fast-producer-closed' });
    await producer.connect();
    await producer.disconnect();
    await expect(producer.send(fresh('closed'), [{ key: 'k', value: 'v' }])).rejects.toThrow(/closed/);
  });
});
