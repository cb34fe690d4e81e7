// Helpers for the collector's integration tests: the collector in-process (with the producer and
// sink server.ts uses) on fresh topics of the test Kafka, and reading a topic back.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { FastEventProducer } from '@clickstream/infra/fast-producer';
import { createKafka, ensureTopics, probeKafka, startConsumer } from '@clickstream/infra/kafka';
import { type Topics, topicNames } from '@clickstream/schema';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { buildApp, type EventSink } from '../src/app.ts';
import { readCollectorConfig } from '../src/config.ts';
import { NO_GEO } from '../src/geo.ts';
import { createKafkaSink } from '../src/kafka-sink.ts';

export interface TestCollector {
  readonly app: FastifyInstance;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly topics: Topics;
  readonly prefix: string;
  /** Every message of `topic` (from the beginning), once `n` of those `keep` takes arrived. */
  read(topic: string, n: number, keep?: (m: Read) => boolean): Promise<Read[]>;
  close(): Promise<void>;
}

export interface Read {
  readonly value: unknown;
  readonly headers: Record<string, string>;
}

export interface CollectorOptions {
  readonly brokers: readonly string[];
  /** COLLECTOR_SITES as objects. */
  readonly sites: readonly Record<string, unknown>[];
  readonly env?: Record<string, string>;
  /** Wraps the Kafka sink, e.g. to make one send fail the way an unacknowledged produce does. */
  readonly wrapSink?: (sink: EventSink) => EventSink;
  /** Sees every request before the app does (to record what clients sent). */
  readonly onRequest?: (req: Arrived) => void;
}

export interface Arrived {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export async function startTestCollector(opts: CollectorOptions): Promise<TestCollector> {
  const prefix = `compat-${randomUUID().slice(0, 8)}`;
  const topics = topicNames(prefix);
  const kafka = createKafka({ brokers: [...opts.brokers], clientId: `${prefix}-test`, logLevel: 'nothing' });
  await ensureTopics(kafka, [
    { topic: topics.events, partitions: 3 },
    { topic: topics.deadLetter, partitions: 1 },
  ]);
  const producer = new FastEventProducer({ brokers: [...opts.brokers], clientId: `${prefix}-collector` });
  await producer.connect();
  const config = readCollectorConfig({
    KAFKA_BROKERS: opts.brokers.join(','),
    TOPIC_PREFIX: prefix,
    COLLECTOR_SITES: JSON.stringify(opts.sites),
    ...opts.env,
  });
  const sink = createKafkaSink(producer); // as server.ts does
  const app = buildApp(config, {
    sink: opts.wrapSink ? opts.wrapSink(sink) : sink,
    geo: () => NO_GEO,
    kafkaReady: () => probeKafka([...opts.brokers]),
  });
  if (opts.onRequest) {
    const record = opts.onRequest;
    app.addHook('onRequest', async (req) =>
      record({ method: req.method, url: req.url, headers: req.headers }),
    );
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  async function read(topic: string, n: number, keep: (m: Read) => boolean = () => true) {
    const seen: Read[] = [];
    const consumer = await startConsumer(kafka, {
      groupId: `${prefix}-reader-${randomUUID().slice(0, 4)}`,
      topics: [topic],
      fromBeginning: true,
      handleBatch: async (batch) => {
        for (const m of batch.messages) {
          const headers = Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)]));
          const message = { value: JSON.parse(m.value?.toString() ?? 'null'), headers };
          if (keep(message)) seen.push(message);
        }
      },
    });
    try {
      await expect.poll(() => seen.length, { timeout: 60_000, interval: 250 }).toBeGreaterThanOrEqual(n);
      // A little longer, so that a duplicate behind the last expected message shows too.
      await new Promise((r) => setTimeout(r, 1500));
      return [...seen];
    } finally {
      await consumer.stop();
    }
  }

  return {
    app,
    url,
    topics,
    prefix,
    read,
    close: async () => {
      await app.close();
      await producer.disconnect();
    },
  };
}

/**
 * A sink that does not acknowledge the first send carrying each event `fails` picks, as Kafka
 * would not during a short outage: that request is answered 503 and its client must retry.
 */
export function failFirstSendOf(
  sink: EventSink,
  fails: (event: Record<string, unknown>) => boolean,
): EventSink {
  const failed = new Set<string>();
  return {
    send: async (topic, messages) => {
      for (const m of messages) {
        const event = JSON.parse(m.value) as Record<string, unknown>;
        const id = String(event.messageId);
        if (fails(event) && !failed.has(id)) {
          failed.add(id);
          throw new Error(`test: Kafka did not acknowledge ${id}`);
        }
      }
      return sink.send(topic, messages);
    },
  };
}
