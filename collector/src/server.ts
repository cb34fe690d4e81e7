// The collector process: config from the environment, a Kafka producer with acks=all (idempotent,
// @platformatic/kafka: see infra/src/fast-producer.ts), the geo database, then listen. SIGINT/SIGTERM: stop accepting, finish in-flight requests, flush Kafka.
import { errorText } from '@clickstream/infra/errors';
import { FastEventProducer } from '@clickstream/infra/fast-producer';
import { createKafka, ensureTopics, probeKafka } from '@clickstream/infra/kafka';
import { buildApp } from './app.ts';
import { ConfigError, readCollectorConfig } from './config.ts';
import { openGeoDatabase } from './geo.ts';
import { createKafkaSink } from './kafka-sink.ts';
import { createMetrics } from './metrics.ts';

async function main() {
  const config = readCollectorConfig();
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'clickstream-collector' });
  await ensureTopics(kafka, [
    { topic: config.topics.events, partitions: 3 },
    { topic: config.topics.deadLetter, partitions: 1 },
  ]);
  const producer = new FastEventProducer({
    brokers: config.kafkaBrokers,
    clientId: 'clickstream-collector',
    onConnectRetry: (why) => console.log(`collector: no producer id from Kafka yet (${why}); asking again`),
  });
  await producer.connect();
  const geo = openGeoDatabase(config.geoDbDir);
  const app = buildApp(config, {
    // Concurrent requests share produce calls (see kafka-sink.ts); a 2xx still means acknowledged.
    sink: createKafkaSink(producer),
    geo,
    kafkaReady: () => probeKafka(config.kafkaBrokers),
    metrics: createMetrics({ processMetrics: true }),
    logger: true,
  });
  await app.listen({ host: config.host, port: config.port });
  console.log(`collector: listening on http://${config.host}:${config.port} (topic ${config.topics.events})`);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    console.log(`collector: ${signal}, draining`);
    await app.close();
    await producer.disconnect();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  const message = errorText(err);
  console.error(
    err instanceof ConfigError ? `collector: ${message}` : `collector: failed to start: ${message}`,
  );
  process.exit(1);
});
