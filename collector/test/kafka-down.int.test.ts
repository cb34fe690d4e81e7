// Kafka goes down under the collector and comes back: while it is down every request gets 503
// with Retry-After (never a false 2xx) and /ready says so; once it is back, the clients' retries
// are accepted and every event is in Kafka. The test runs its own Kafka (not the shared one the
// other tests use) so it can stop it.
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { endpointsOf, kafkaDown, kafkaUp } from '@clickstream/infra';
import { FastEventProducer } from '@clickstream/infra/fast-producer';
import { createKafka, ensureTopics, probeKafka, startConsumer } from '@clickstream/infra/kafka';
import { topicNames } from '@clickstream/schema';
import { validWireEvents } from '@clickstream/schema/fixtures';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateInstance } from '../../infra/test/global-setup.ts';
import { buildApp } from '../src/app.ts';
import { readCollectorConfig } from '../src/config.ts';
import { NO_GEO } from '../src/geo.ts';
import { createKafkaSink } from '../src/kafka-sink.ts';

const WRITE_KEY = 'kafka-down-key';
const topics = topicNames('kafka-down');
let instance: Awaited<ReturnType<typeof privateInstance>>;
let app: FastifyInstance;
let producer: FastEventProducer;
let url = '';

function batch(from: number, n: number) {
  const { writeKey: _ignored, ...base } = validWireEvents['order-completed'] as Record<string, unknown>;
  return {
    writeKey: WRITE_KEY,
    batch: Array.from({ length: n }, (_, i) => ({
      ...base,
      type: 'track',
      event: 'Down Test',
      messageId: `down-${from + i}`,
      anonymousId: `visitor-${(from + i) % 7}`,
    })),
  };
}
const post = (body: unknown) =>
  fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  instance = await privateInstance(`kafka-down-${process.pid}`);
  await kafkaUp(instance);
  const brokers = endpointsOf(instance).kafkaBrokers;
  const kafka = createKafka({ brokers, clientId: 'kafka-down-test', logLevel: 'nothing' });
  await ensureTopics(kafka, [{ topic: topics.events, partitions: 3 }]);
  producer = new FastEventProducer({ brokers, clientId: 'kafka-down-test' }); // as server.ts makes it
  await producer.connect();
  const config = readCollectorConfig({
    KAFKA_BROKERS: brokers.join(','),
    TOPIC_PREFIX: 'kafka-down',
    COLLECTOR_SITES: JSON.stringify([{ siteId: 'down', writeKey: WRITE_KEY }]),
  });
  app = buildApp(config, {
    sink: createKafkaSink(producer),
    geo: () => NO_GEO,
    kafkaReady: () => probeKafka(brokers),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await app?.close();
  await Promise.race([producer?.disconnect(), new Promise((r) => setTimeout(r, 5_000))]);
  if (instance) {
    await kafkaDown(instance);
    rmSync(instance.stateDir, { recursive: true, force: true });
  }
});

describe('collector with Kafka down, then back', () => {
  it('answers 503 + Retry-After while Kafka is down and loses nothing after it recovers', async () => {
    for (let b = 0; b < 3; b++) expect((await post(batch(b * 10, 10))).status).toBe(200);

    await kafkaDown(instance);
    const refused: Array<ReturnType<typeof batch>> = [];
    const waits: number[] = [];
    for (let b = 3; b < 6; b++) {
      const body = batch(b * 10, 10);
      const t0 = performance.now();
      const res = await post(body);
      waits.push(performance.now() - t0);
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      refused.push(body);
    }
    expect((await fetch(`${url}/ready`)).status).toBe(503);

    await kafkaUp(instance);
    // The clients retry what was refused, with the same messageIds, until it is accepted.
    for (const body of refused) {
      let status = 0;
      for (let attempt = 0; attempt < 60 && status !== 200; attempt++) {
        status = (await post(body)).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 1_000));
      }
      expect(status).toBe(200);
    }
    expect((await fetch(`${url}/ready`)).status).toBe(200);

    // Everything is in Kafka: all 60 messageIds (a retry after an ack that got lost may repeat one).
    const seen = new Map<string, number>();
    const consumer = await startConsumer(
      createKafka({
        brokers: endpointsOf(instance).kafkaBrokers,
        clientId: 'kafka-down-read',
        logLevel: 'nothing',
      }),
      {
        groupId: `kafka-down-read-${Date.now()}`,
        topics: [topics.events],
        handleBatch: async (b) => {
          for (const m of b.messages) {
            const id = (JSON.parse(String(m.value)) as { messageId: string }).messageId;
            seen.set(id, (seen.get(id) ?? 0) + 1);
          }
        },
      },
    );
    const deadline = Date.now() + 60_000;
    while (seen.size < 60 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    await consumer.stop();
    expect([...seen.keys()].sort()).toEqual(Array.from({ length: 60 }, (_, i) => `down-${i}`).sort());
    const duplicates = [...seen.values()].filter((n) => n > 1).length;
    console.log(
      `kafka-down: 503 answers took ${waits.map((w) => `${(w / 1000).toFixed(1)} s`).join(', ')}; ` +
        `${seen.size} events in Kafka, ${duplicates} delivered more than once`,
    );
  }, 240_000);
});
