// The processor process: consume collected events in a group, write them to the lake, commit.
// Delivery guarantee: offsets are committed only after the lake files are renamed into place;
// the write-ahead log (commit-to-lake.ts) makes replays after a crash write nothing twice.
import { createKafka, EventProducer, ensureTopics, startConsumer } from '@clickstream/infra/kafka';
import { WebHdfsClient } from '@clickstream/infra/webhdfs';
import { lakeCommitter } from './commit-to-lake.ts';
import { readProcessorConfig } from './config.ts';
import { batchProcessor } from './process-batch.ts';

async function main() {
  const config = readProcessorConfig();
  const kafka = createKafka({ brokers: config.kafkaBrokers, clientId: 'clickstream-processor' });
  await ensureTopics(kafka, [
    { topic: config.topics.events, partitions: 3 },
    { topic: config.topics.deadLetter, partitions: 1 },
  ]);
  const hdfs = new WebHdfsClient({ url: config.webhdfsUrl, user: config.hdfsUser });
  const deadLetters = new EventProducer(kafka);
  await deadLetters.connect();
  const processor = batchProcessor(lakeCommitter(hdfs, config.lake), deadLetters, config.topics);

  const running = await startConsumer(kafka, {
    groupId: config.groupId,
    topics: [config.topics.events],
    handleBatch: async (batch) => {
      const r = await processor.process(batch);
      if (r.written + r.deadLettered + r.skipped > 0) {
        console.log(
          `processor: p${batch.partition} offsets ${batch.messages[0]?.offset}-${batch.messages.at(-1)?.offset}: ` +
            `${r.written} rows in ${r.files} file(s), ${r.deadLettered} dead-lettered, ${r.skipped} already in the lake`,
        );
      }
    },
  });
  running.consumer.on(running.consumer.events.GROUP_JOIN, () => processor.reset());
  console.log(
    `processor: consuming ${config.topics.events} as ${config.groupId} -> ${config.webhdfsUrl} ${config.lake.eventsDir}`,
  );

  const shutdown = async (signal: string) => {
    console.log(`processor: ${signal}, stopping`);
    await running.stop();
    await deadLetters.disconnect();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(`processor: failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
