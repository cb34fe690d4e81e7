// The ceiling of `bench:processor`: the processor's Kafka client consuming a topic and doing nothing
// else, in a process of its own as the processor is (run inside the bench, whose heap holds the
// generated events, the loop paid for the bench's garbage collection: on Node 24 it read 55-57k
// events/s there against 385-465k alone). Reads CONSUME_TOPIC from the beginning in a new group
// CONSUME_GROUP until CONSUME_EVENTS messages were seen, then prints one line
// `consume-only {"eventsPerSecond":...,"seconds":...,"cpuPerEvent":...}`, timed from its first batch.
import { createKafka, startConsumer } from '@clickstream/infra/kafka';

const need = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`consume-only: ${name} is not set`);
  return value;
};
const total = Number(need('CONSUME_EVENTS'));
/** This process's CPU seconds so far (finer than /proc's ticks). */
const ownCpu = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

const kafka = createKafka({
  brokers: need('KAFKA_BROKERS').split(','),
  clientId: 'bench-consume-only',
  logLevel: 'nothing',
});
let seen = 0;
let first = 0;
let cpuFirst = 0;
let finish = () => {};
const done = new Promise<void>((resolve) => (finish = resolve));
const consumer = await startConsumer(kafka, {
  groupId: need('CONSUME_GROUP'),
  topics: [need('CONSUME_TOPIC')],
  manualCommit: true,
  partitionsConsumedConcurrently: 4,
  handleBatch: async (b) => {
    if (first === 0) {
      first = performance.now();
      cpuFirst = ownCpu();
    }
    seen += b.messages.length;
    if (seen >= total) finish();
  },
});
await done;
const seconds = (performance.now() - first) / 1000;
const cpu = ownCpu() - cpuFirst;
console.log(
  `consume-only ${JSON.stringify({ eventsPerSecond: total / seconds, seconds, cpuPerEvent: (cpu / total) * 1e6 })}`,
);
await consumer.stop();
